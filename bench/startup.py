#!/usr/bin/env python3
"""Start-up of `gongzhi serve` to ready, with the Shantou demo loaded.

Reference, measured in the same run on the same database: reading every
region row with its boundary text through Python's sqlite3 module, i.e. the
raw cost of fetching what the server loads before it builds its index.

Usage: python3 bench/startup.py [RUNS]   (builds the release binary first)
"""
import os, statistics, subprocess, sys, tempfile, time, urllib.request, sqlite3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "gongzhi")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7


def serve_once(env):
    start = time.perf_counter()
    proc = subprocess.Popen([BIN, "serve", "--bind", "127.0.0.1:0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:
            if "listening on " in line:
                base = line.split("listening on ")[1].split()[0]
                break
        else:
            raise SystemExit("the server exited before listening")
        with urllib.request.urlopen(base + "/readyz") as r:
            assert r.status == 200
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait()


def raw_read(path):
    start = time.perf_counter()
    con = sqlite3.connect(path)
    rows = con.execute("SELECT code, name, boundary FROM regions").fetchall()
    con.close()
    assert len(rows) > 9000, len(rows)
    return time.perf_counter() - start


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "gongzhi"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "gongzhi.db")
        env = dict(os.environ, GONGZHI_DATABASE_URL="sqlite://" + db, GONGZHI__LOG__FILTER="warn")
        subprocess.run([BIN, "demo", "--no-serve"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        serve, ref = [], []
        for _ in range(RUNS):
            serve.append(serve_once(env))
            ref.append(raw_read(db))
        s, r = statistics.median(serve), statistics.median(ref)
        print(f"serve start-up to ready (Shantou, {RUNS} runs): median {s * 1000:.0f} ms "
              f"(min {min(serve) * 1000:.0f}, max {max(serve) * 1000:.0f})")
        print(f"reference, raw sqlite3 read of the same rows: median {r * 1000:.0f} ms")
        print(f"ratio: {s / r:.1f}x the raw read")


if __name__ == "__main__":
    main()
