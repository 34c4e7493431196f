"""Run every benchmark in bench/ (``make bench``); arguments are passed to each."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
status = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"\n=== {script.name} ===", flush=True)
    status |= subprocess.call([sys.executable, str(script), *sys.argv[1:]])
sys.exit(status)
