"""Who the demo makes, always the same: an administrator, a desk clerk and 20 agents, each
agent with its enterprises (valid organisation codes, fixed so a second run finds them)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from booking.domain.org_codes import org_code_check_char

AGENTS = 20
# One password for every demo account (printed at the end: these accounts are for trying
# the system locally). DEMO_PASSWORD changes it before the first run.
PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo#2026-cardcenter")

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚"]
_PLACES = ["黄岛", "崂山", "城阳", "即墨", "胶州", "李沧", "市北", "市南", "平度", "莱西"]
_TRADES = ["国际物流", "港务贸易", "报关服务", "海运代理", "冷链仓储", "跨境电商", "机械进出口", "纺织品进出口",
           "食品进出口", "化工贸易", "船舶代理", "供应链管理"]


@dataclass
class Person:
    username: str
    phone: str
    name: str
    role: str                      # agent, staff or admin
    enterprises: list[tuple[str, str]] = field(default_factory=list)   # (org code, name)
    address: str | None = None     # the loopback address this person's requests come from
    user_id: str = ""
    tokens: dict = field(default_factory=dict)
    password: str = PASSWORD

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


def org_code(n: int) -> str:
    """The demo's n-th organisation code: 8 digits starting 7302 (a block no test uses)."""
    body = f"7302{n:04d}"
    return body + org_code_check_char(body)


def enterprise_name(n: int) -> str:
    return f"青岛{_PLACES[n % len(_PLACES)]}{_TRADES[(n * 7) % len(_TRADES)]}有限公司"


def staff() -> list[Person]:
    return [Person("demo-admin", "13900000001", "管理员演示", "admin", address="127.0.0.40"),
            Person("demo-clerk", "13900000002", "窗口演示", "staff", address="127.0.0.41")]


def agents() -> list[Person]:
    """demo-agent01..20: one, two or three enterprises each (41 in all)."""
    people, n = [], 0
    for i in range(1, AGENTS + 1):
        count = 1 + i % 3
        ents = []
        for _ in range(count):
            n += 1
            ents.append((org_code(n), enterprise_name(n)))
        people.append(Person(f"demo-agent{i:02d}", f"139000001{i:02d}", _SURNAMES[i - 1] + _GIVEN[i - 1], "agent",
                             ents, address=f"127.0.0.{10 + i}"))
    return people
