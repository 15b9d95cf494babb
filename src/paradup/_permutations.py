"""The default MinHash permutations (num_perm 128, seed 1) as datasketch draws them, stored so
that a cold `paradup check` need not import numpy.random (about 20 ms) to redraw them.
tests/test_fingerprint.py checks them against numpy's RandomState."""

NUM_PERM = 128
SEED = 1
# (2, 128) little-endian uint32: the a row, then the b row
DATA = (
    "S+iD1dcBj/4ZX85wkSh43f/9DgATh5lBl1XLmgs9gv+fliNLgafgeCEBRy8DoQzLmX9dX488nMbbVe2w+fPoVg0b"
    "Jcsz+v7eZcnfEymqT7H9qaDWy2JloCUX1V6pk5EMF/etaPlBDOPVm5jBOSWLdTu/BQ4ds54RZYRHV4nU8tOv+ajV"
    "r78W6tOXDB7jhYTc78vgR71b1eDBjm1lrQiJjhsx+5nTr5NuE/u/7w8IA5t/Inmge5aDLy0ceGJzSksJAxS2wAHv"
    "47p54gnKo/GFqBHqiiuxxcGoG/3+E+c0zYtfA/RW1R9VHvPkm8GRc09XPYRaMo9Ipi8Ha5vXjQvjVyt/cOpj3NXS"
    "cwr7EAdkJWWJtz1iMVZKlONDi6FX+MNImQx9XzWYDpFpDlSroUo409sUXQnn5n4RU+oSgKXbgD8fAEz6gdg+UomR"
    "D38zYNSY31qWj8W9a+SvaxyUD0+6cTUK2jQz/Y8l0UxS5S0IQPATbjPRh309Mc+XVJb9iIbOL0pXk/vaLT3JGpNC"
    "N4GyDEt36glzotAqp1SQW03ZbtURhVpsQUom0kW79YcVXg2ZL3qv+x8NNSvfVVIbrzi/ITO+8iWPH1Y65wEgS7kK"
    "v+mVdLktfQmfhV26RmZBp0d2sS1lNC8pIBFvJf/Tg0pe5uNqiGObTnL8B04P1AGXyRT4v8kM/dT2w82BMIkGx5sL"
    "NHLuqdXR1CPGxc+DAvbaykz20PHbD6EHlXgolsuCFOIHWUXnTRhxisiKMSNL1K5yTJ2nIysEY+QUMrHOHl6pYCQm"
    "zmVnM9aJB6dUKi0P/abEM3HtOZp7XPAuB1n8nS2S0jg1wGBASaMNAdu5CixWIBdZIOJ8P7GwUfuon4fn0qV5wz3A"
    "mMCbWspmUVncPWPDlP4ZRaCpRVuMzFjlwby2wF5il208np/h6cH/9pjA/AJSTdepcxOEf2FzJ5+CCOQS7P1fHdym"
    "dclnuhHzYrdmEApxLXO2nvVaYFcRlOk5HPFSp3to1sk6YcbMrTzCuk7DR+FD5+c/h8WwqNySNvYlTQ8cvACFO9LF"
    "kTX9napoJicUAJ9TdlohlLBH7YYWWU4C5RnN4o3Pg7XxB3Zbcup7eGHClei1VrzDVIeUnwoMp3dg3AwEt0DdRD2Z"
    "7+04zunU2Z7esJWhI43njFD/YNzwEfmBHizTH/R4GVQbI/HVJb6Ok77ujQgkMdSsYrJ0Ht12K2PlEIYO+TrNBmbB"
    "uIIcgrsH/sCPu2Q1GFZL7PsznwyJfCa2wiHUhMc40B81bxosRd0WBaTJdGVlw7UG+Ep8GxUYPwco7YKCTbAHP9uI"
    "JRqxyirccWnpSS/V8InNhVQ7qL2Fjc4VufctVo/XV+c/Rw=="
)
