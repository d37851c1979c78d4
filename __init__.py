"""rackplan: the repository root is the `rackplan` package once installed (`pip install .`), so
nothing but `rackplan` lands at the top of site-packages: `rackplan.cli`, `rackplan.scheduler`,
`rackplan.exports`."""
