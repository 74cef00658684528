"""Math-Verify on the same answer pairs as bench/verifierThroughput.ts, for a side-by-side figure.

    python3 bench/mathverify_reference.py PAIRS.jsonl   (lines {"gold", "pred"})

Prints one JSON object: checks, CPU seconds of this process, checks per second per core, and the
verdict of every pair (so that the caller can score them against labels). A gold answer without
math delimiters is wrapped in $...$, as lighteval does, so that Math-Verify's LaTeX extraction
reads it. Needs `pip install math-verify`; nothing else of the project.
"""

import json
import sys
import time

from math_verify import parse, verify


def as_latex(text: str) -> str:
    return text if ("$" in text or "\\boxed" in text) else f"${text}$"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    verdicts = []
    start = time.process_time()
    for pair in pairs:
        try:
            gold = parse(as_latex(pair["gold"]))
            pred = parse(pair["pred"])
            verdicts.append(bool(verify(gold, pred)))
        except Exception:  # a crash is a rejection, as in the TypeScript verifier
            verdicts.append(False)
    cpu = time.process_time() - start
    print(
        json.dumps(
            {
                "checks": len(pairs),
                "cpuSeconds": cpu,
                "checksPerSecondPerCore": len(pairs) / cpu if cpu > 0 else None,
                "verdicts": verdicts,
            }
        )
    )


if __name__ == "__main__":
    main()
