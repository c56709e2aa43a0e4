// A typed client of the gateway API in a few lines: log in, book, query the bookings.
// The types come from api.d.ts (scripts/api-types, generated from the OpenAPI document), so a
// path, a field or a status the document does not have fails to compile. The suite compiles
// this file with the pinned tsc (tests/contract/test_typescript_types.py); nothing runs it.
import type { BookingBody, BookingView, Problem, paths } from './api';

type Method = 'get' | 'post' | 'put' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : null;
/** The answer of an operation's success status (200, 201, 202 or 204). */
export type Success<O> = O extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201 | 202 | 204>]> : never;
export type RequestBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
export type Query<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** A problem+json answer (api.md "Errors"): ``code`` is the stable part to switch on. */
export class ApiProblem extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${status} ${problem.code}`);
  }
}

export class GatewayClient {
  token: string | null = null;

  constructor(private readonly base: string) {}

  async call<P extends keyof paths, M extends Method>(
    method: M, path: P,
    options: { body?: RequestBody<Operation<P, M>>; query?: Query<Operation<P, M>>;
               params?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Success<Operation<P, M>>> {
    let url = String(path).replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? ''));
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) query.set(key, String(value));
    }
    if ([...query].length) url += `?${query}`;
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(this.base + url, {
      method: method.toUpperCase(), headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw new ApiProblem(response.status, (await response.json()) as Problem);
    return (response.status === 204 ? null : await response.json()) as Success<Operation<P, M>>;
  }
}

/** login -> book -> query: the agent's first visit, as a frontend would write it. */
export async function bookAVisit(client: GatewayClient): Promise<BookingView[]> {
  const session = await client.call('post', '/api/v1/sessions', {
    body: { username: 'zhangwei', password: 'correct horse battery staple' },
  });
  client.token = session.access_token;  // string: SessionResponse.access_token
  const roles: string[] = session.user.roles;

  const visit: BookingBody = {
    date: '2027-01-05', period: 'am', contact_name: '张伟', contact_phone: '13800138000',
    enterprises: [{ org_code: '91350100M000100Y43', businesses: [{ type: 'new_card', count: 2 }] }],
  };
  const booking = await client.call('post', '/api/v1/bookings', {
    body: visit, headers: { 'Idempotency-Key': crypto.randomUUID() },
  });
  // the document's enum: a status it does not list is a compile error, not a silent miss
  const status: 'confirmed' | 'allocated' | 'checked_in' | 'completed' | 'no_show' | 'cancelled' = booking.status;

  const page = await client.call('get', '/api/v1/bookings', { query: { from: booking.date, limit: 20 } });
  const again = await client.call('get', '/api/v1/bookings/{id}', { params: { id: booking.id } });
  console.log(roles, status, again.allocation?.queue_number ?? '待分配');
  return page.items;
}

// What the types refuse (each line must stay an error: tsc fails on an unused expectation).
export async function mistakes(client: GatewayClient): Promise<void> {
  // @ts-expect-error: no such path in the document
  await client.call('get', '/api/v1/booking');
  // @ts-expect-error: a booking has no "phone"; it is contact_phone
  const wrong: BookingBody = { date: '2027-01-05', period: 'am', contact_name: '张伟', phone: '13800138000', enterprises: [] };
  // @ts-expect-error: limit is a number
  await client.call('get', '/api/v1/bookings', { query: { limit: '20' } });
  const page = await client.call('get', '/api/v1/bookings');
  // @ts-expect-error: the answer is a page ({items, next_cursor}), not an array
  page.map((b: BookingView) => b.id);
  void wrong;
}
