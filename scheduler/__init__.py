"""rackplan's scheduling core: plan file -> validated plan -> CP-SAT model -> verified schedule.

The facade mirrors the data flow: `load_plan` (parse + validate), `solve` (heuristic + CP-SAT),
`verify` (independent check). Nothing here imports click or openpyxl.
"""

__version__ = "0.1.0"
