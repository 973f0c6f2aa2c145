# Measures how long a triage-like write (BEGIN IMMEDIATE; COMMIT) waits for the write lock while `vigil ingest`
# stores and scores a large input, for each --batch-size given.  usage: measure.py VIGIL STORE CSV BATCH...
import sqlite3, subprocess, sys, time, shutil, os
vigil, base, csv = sys.argv[1:4]
for batch in sys.argv[4:]:
    store = f"{base}.measure-{batch}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix): os.remove(store + suffix)
    shutil.copy(base, store)
    env = dict(os.environ); env.pop("VIGIL_STORE", None)
    p = subprocess.Popen(f"exec {vigil} ingest - --quiet --store {store} --batch-size {batch} < {csv}", shell=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    c = sqlite3.connect(store, timeout=30, isolation_level=None)
    waits = []
    time.sleep(0.5)
    started = time.time()
    while p.poll() is None:
        t = time.perf_counter()
        c.execute("BEGIN IMMEDIATE")
        waits.append(time.perf_counter() - t)
        if waits[-1] > 0.15: print(f"  {waits[-1]*1000:.0f} ms at {time.time() - started:.1f} s")
        c.execute("COMMIT")
        time.sleep(0.02)
    out, err = p.communicate()
    waits.sort()
    n = len(waits)
    print(f"--batch-size {batch}: {out.decode().strip()} in {time.time() - started:.1f} s; lock waits over {n} tries: "
          f"median {waits[n // 2] * 1000:.0f} ms, p99 {waits[int(n * 0.99)] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms")
