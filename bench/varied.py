"""Seeded generator of varied build-outs (issue 19): not only the Colossus shape.

    python bench/varied.py SEED [-o PATH]

Every seed gives one plan: 1-3 halls of 2-6 arrays of 4-8 racks; each trade on its own
calendar (day shifts with a lunch break, Monday-Saturday, nights, 24/7 in two shifts) with a
holiday; capacity changes; racks delivered at a daily rate; CDUs delivered into a yard
(storage), racks through a staging area; a leak test within a maximum lag of its fill; SS and FF
links; cabling in one or two modes; power-on with an overtime mode paid from a budget; a soft
GPU target; the finish or GPU-hours as the objective. All figures are made up, in the ranges of
../shared/DOMAIN.md.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CALENDARS = {
    "days": 'days = ["mon", "tue", "wed", "thu", "fri"]\nshifts = ["07:00-11:00", "12:00-16:00"]',
    "mon-sat": 'days = ["mon", "tue", "wed", "thu", "fri", "sat"]\nshifts = ["06:00-16:00"]',
    "nights": 'days = ["mon", "tue", "wed", "thu", "fri"]\nshifts = ["22:00-06:00"]',
    "around": ('days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
               'shifts = ["06:00-18:00", "18:00-06:00"]'),
}
TRADES = ("riggers", "electricians", "pipefitters", "fiber", "techs", "netops")


def plan_text(seed: int) -> str:
    rng = random.Random(seed)
    halls = rng.randint(1, 3)
    arrays = rng.randint(2, 6)
    racks = rng.randint(4, 8)
    total = halls * arrays * racks
    holiday = f"2024-05-{rng.randint(8, 28):02d}"
    out = [f'''# bench/varied.py {seed}: {halls} hall(s) x {arrays} arrays x {racks} racks (made up)
[project]
name = "varied build-out {seed}"
start = 2024-05-06T06:00:00
timezone = "America/Chicago"
resolution = "1h"
''']
    for name, body in CALENDARS.items():
        out.append(f"[calendars.{name}]\n{body}\nholidays = [{holiday}]\n")
    caps = {}
    for trade in TRADES:
        cap = caps[trade] = rng.randint(1, 4)
        cal = rng.choice(list(CALENDARS))
        change = (f'changes = [{{ from = "{rng.randint(3, 15)}d", capacity = '
                  f'{max(1, cap + rng.choice((-1, 1, 2)))} }}]\n' if rng.random() < 0.5 else "")
        out.append(f'[resources.{trade}]\ncapacity = {cap}\ncalendar = "{cal}"\n{change}')
    out.append(f'''[resources.gauges]
capacity = {rng.randint(1, 3)}
[resources.dock]
capacity = {rng.randint(1, 2)}
[budgets.overtime]
total = {rng.randint(0, total)}
unit = "h"
[storage.staging]
capacity = {rng.randint(2, 8)}
[storage.yard]
capacity = {total}
[deliveries.racks]
item = "rack"
quantity = {total}
first = "{rng.randint(1, 5)}d"
per_day = {rng.randint(4, 24)}
[deliveries.cdus]
item = "cdu"
quantity = {total}
first = "{rng.randint(0, 4)}d"
per_day = {rng.randint(6, 30)}
into = "yard"

[[levels]]
name = "hall"
count = {halls}
id = "hall-{{A}}"
[[levels]]
name = "array"
count = {arrays}
id = "array-{{01}}"
[[levels]]
name = "rack"
count = {racks}
id = "rack-{{1}}"
gpus = 64

[tasks.start]
duration = 0
[templates.hall.cooling-loop]
after = ["site:start"]
duration = "{rng.randint(24, 96)}h"
uses = {{ pipefitters = 1 }}
[templates.hall.energise]
after = ["site:start"]
duration = "{rng.randint(8, 48)}h"
uses = {{ electricians = 1 }}

[templates.rack.receive]
needs = "rack"
duration = "1h"
uses = {{ dock = 1 }}
fills = "staging"
[templates.rack.position]
after = ["receive"]
duration = "{rng.randint(1, 3)}h"
uses = {{ riggers = 1 }}
empties = "staging"
[templates.rack.power]
after = ["position", "hall:energise"]
duration = "2h"
uses = {{ electricians = 1 }}
[templates.rack.cool-connect]
after = ["position", "hall:cooling-loop"]
duration = "2h"
uses = {{ pipefitters = 1 }}
empties = "yard"
[templates.rack.leak-test]
after = [{{ task = "cool-connect", max_lag = "{rng.choice((2, 4, 8))}h" }}]
duration = "{rng.randint(1, 4)}h"
uses = {{ gauges = 1 }}
[templates.rack.cable]
after = [{{ task = "position", type = "SS", lag = "{rng.randint(1, 3)}h" }}]
''')
    if rng.random() < 0.5 and caps["fiber"] >= 2:  # a mode asking more than ever exists is an error
        out.append('modes = [{ duration = "8h", uses = { fiber = 1 } }, '
                   '{ duration = "4h", uses = { fiber = 2 } }]\n')
    else:
        out.append(f'duration = "{rng.randint(4, 10)}h"\nuses = {{ fiber = 1 }}\n')
    out.append('''[templates.rack.power-on]
after = ["power", "leak-test", "cable"]
modes = [{ duration = "3h", uses = { techs = 1 } },
         { duration = "2h", uses = { techs = 1 }, spends = { overtime = 1 } }]
[templates.rack.diagnostics]
after = [{ task = "power-on", type = "FF", lag = "2h" }]
duration = "2h"
[templates.array.fabric-test]
after = ["rack:diagnostics"]
duration = "''' + f'{rng.randint(4, 8)}h' + '''"
uses = { netops = 1 }
[templates.array.burn-in]
after = ["fabric-test"]
duration = "''' + f'{rng.choice((24, 48, 72))}h' + '''"
[templates.array.accept]
after = ["burn-in"]
duration = 0
online = true
''')
    gpus = total * 64
    out.append(f'''[targets.half]
gpus = {gpus // 2}
by = "{rng.randint(15, 40)}d"
hard = false
penalty = {rng.choice((1, 2, 4))}
[targets.done]
by = "200d"
hard = true
''')
    if rng.random() < 0.3:
        out.append(f'[objective]\nkind = "gpu-hours"\nuntil = "{rng.randint(30, 60)}d"\n')
    return "".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("-o", "--output", type=Path)
    args = ap.parse_args()
    text = plan_text(args.seed)
    if args.output:
        args.output.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
