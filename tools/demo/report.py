"""The logins the demo prints (to the terminal only: these are local demo accounts, and
none of this goes to a service's log)."""
from __future__ import annotations

from tools.demo.cast import Person


def print_logins(admin: Person, clerk: Person, agents: list[Person], gateway: str) -> None:
    print(f"\nLogins for {gateway}/ (password for every account: {admin.password})")
    for p, role in ((admin, "admin"), (clerk, "clerk")):
        print(f"  {role:<6} {p.username:<14} phone {p.phone}  password {p.password}  {p.name}")
    for p in agents:
        codes = " ".join(code for code, _ in p.enterprises)
        print(f"  agent  {p.username:<14} phone {p.phone}  password {p.password}  {p.name}  enterprises {codes}")
