"""Instructions per request of one driver in client-bound mode, with valgrind callgrind.

Runs `driver-bench <driver> <workload> 64 <n> responder` under callgrind for two request counts
and divides the difference in instructions of the client threads (every thread but the
responder's) by the difference in requests (warm-up of a tenth included), so connection setup
and runtime start-up cancel out. Prints: ir, driver, workload, 64, instructions per request.

usage: ir.py <driver-bench binary> <driver> <workload> <n1> <n2>
"""
import glob
import os
import subprocess
import sys
import tempfile


def client_instructions(binary, driver, workload, n):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}",
             binary, driver, workload, "64", str(n), "responder"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        total = 0
        for f in glob.glob(out + "-*"):
            text = open(f, errors="replace").read()
            if "responder::serve" in text:
                continue
            for line in text.splitlines():
                if line.startswith("totals:"):
                    total += int(line.split()[1])
        return total


def main():
    binary, driver, workload, n1, n2 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    a = client_instructions(binary, driver, workload, n1)
    b = client_instructions(binary, driver, workload, n2)
    per = (b - a) / ((n2 + n2 // 10) - (n1 + n1 // 10))
    print(f"ir\t{driver}\t{workload}\t64\t{per:.0f}")


if __name__ == "__main__":
    main()
