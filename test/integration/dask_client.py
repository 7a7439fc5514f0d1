"""What a Dask user does from this host against the deployed cluster, for the
real-pod suite. Run with the python of `scripts/images.sh client TAG` (the
cluster's Dask version). Prints one JSON object; exits non-zero on any error.

    dask_client.py SCHEDULER compute
        A dask.array sum and a plain task; their results and the expected ones.
    dask_client.py SCHEDULER workers MODULE [ENV]
        Per worker: threads, host name, MODULE's version there (None if absent)
        and, if named, the value of the environment variable ENV.
    dask_client.py SCHEDULER reach HOST PORT NAME SERVICE_HOST:PORT
        Per worker: whether a TCP connection to HOST:PORT and a lookup of NAME
        succeed, whether the scheduler's Service name resolves, and whether a
        connection to a service on the node (SERVICE_HOST:PORT) succeeds.
    dask_client.py SCHEDULER load WORKERS TIMEOUT
        Keeps every worker busy with CPU-bound tasks until WORKERS workers have
        each run some of them (an autoscaler had to add them), then checks
        every task's result. Fails after TIMEOUT seconds.
    dask_client.py SCHEDULER burst TASKS TIMEOUT
        Submits TASKS CPU-bound tasks at once (a large computation), as to an
        idle cluster, and checks every result. Also when each worker count was
        first seen (seconds from the submission), and the most workers seen.
    dask_client.py SCHEDULER persist NAME WORKERS BUSY_TASKS
        Keeps the cluster busy with BUSY_TASKS CPU-bound tasks until WORKERS
        workers are there (an autoscaler had to add them), then computes 64
        random 500x500 chunks (128 MB, ahead of the busy tasks) dealt across
        them and publishes them as NAME, so they stay in memory after this
        client leaves (the busy tasks do not). Their sum, keys, and where
        they are.
        From then on, the scheduler counts which tasks compute again.
    dask_client.py SCHEDULER persisted NAME
        The published dataset NAME: how many of its keys are in memory and
        where, and how many of them were computed again since it was persisted
        (a worker that stopped without handing them over lost them), once all
        are in memory; their sum.
    dask_client.py SCHEDULER forget NAME
        Unpublishes the dataset NAME, so that its keys are released.
"""
import importlib
import json
import sys
import time

from distributed import Client, get_worker

SQUARES_UP_TO = 2_000_000  # about 0.2 s of one CPU per task


def squares(seed):
    """Deterministic CPU-bound work: which worker ran it, and its result."""
    total = 0
    for i in range(SQUARES_UP_TO):
        total = (total + (i + seed) * (i + seed)) % 1_000_000_007
    return get_worker().address, total


def expected_squares(seed):
    n = SQUARES_UP_TO
    # sum over k = seed .. seed+n-1 of k^2
    def upto(m):
        return (m - 1) * m * (2 * m - 1) // 6
    return (upto(seed + n) - upto(seed)) % 1_000_000_007


def compute(client):
    import dask.array as da

    n = 1_000_000
    x = da.arange(n, chunks=100_000, dtype="int64")
    return {
        "array_sum_of_squares": int((x * x).sum().compute()),
        "array_expected": (n - 1) * n * (2 * n - 1) // 6,
        "task_sum": client.submit(sum, range(1000)).result(),
        "task_expected": sum(range(1000)),
        "workers": len(client.scheduler_info()["workers"]),
    }


def workers(client, module, env_name=None):
    def probe(module=module, env_name=env_name):
        import os
        import socket

        try:
            version = getattr(importlib.import_module(module), "__version__", "unknown")
        except ImportError:
            version = None
        found = {"host": socket.gethostname(), "module_version": version}
        if env_name is not None:
            found["env"] = os.environ.get(env_name)
        return found

    info = client.run(probe)
    threads = client.nthreads()
    return {addr: {**info[addr], "nthreads": threads[addr]} for addr in info}


def reach(client, host, port, name, host_service):
    service_host, service_port = host_service.rsplit(":", 1)

    def probe(host=host, port=int(port), name=name, service=(service_host, int(service_port))):
        import os
        import socket

        def attempt(action):
            try:
                action()
                return "ok"
            except OSError:
                return "failed"

        scheduler_host = os.environ.get("DASK_SCHEDULER_ADDRESS", "dask-scheduler").split(":")[0]
        return {
            "host": socket.gethostname(),
            "connect": attempt(lambda: socket.create_connection((host, port), timeout=3).close()),
            "resolve": attempt(lambda: socket.getaddrinfo(name, 80)),
            "resolve_scheduler": attempt(lambda: socket.getaddrinfo(scheduler_host, 8786)),
            "host_service": attempt(lambda: socket.create_connection(service, timeout=3).close()),
        }

    return client.run(probe)


def load(client, want_workers, timeout):
    deadline = time.time() + timeout
    pending, done, seed = [], [], 0
    used, most = set(), 0
    while True:
        most = max(most, len(client.scheduler_info()["workers"]))
        if len(used) >= want_workers:
            break
        if time.time() > deadline:
            raise SystemExit(f"only {len(used)} of {want_workers} workers ran tasks within {timeout}s (most seen: {most})")
        # Two queued tasks per thread, so that every worker, new ones too, stays busy.
        capacity = 2 * sum(client.nthreads().values())
        while len(pending) < capacity:
            pending.append((seed, client.submit(squares, seed, pure=False)))
            seed += 1
        still = []
        for s, f in pending:
            if f.done():
                address, total = f.result()
                used.add(address)
                done.append((s, total))
            else:
                still.append((s, f))
        pending = still
        time.sleep(0.2)
    for s, f in pending:
        done.append((s, f.result()[1]))
    wrong = [s for s, total in done if total != expected_squares(s)]
    return {"tasks": len(done), "wrong": wrong, "workers_used": len(used), "most_workers": most}


def burst(client, tasks, timeout):
    start = time.time()
    seen = {}

    def note():
        # The first moment at least k workers were there, for each k up to the
        # count: two can join between two looks, and k=2 then is when 3 came.
        count = len(client.scheduler_info()["workers"])
        now = round(time.time() - start, 1)
        seen.setdefault(count, now)
        for k in range(1, count):
            seen.setdefault(k, now)

    note()
    futures = [client.submit(squares, seed, pure=False) for seed in range(tasks)]
    while not all(f.done() for f in futures):
        if time.time() - start > timeout:
            raise SystemExit(f"{sum(f.done() for f in futures)} of {tasks} tasks done within {timeout}s (workers seen: {seen})")
        note()
        time.sleep(0.5)
    results = client.gather(futures)
    wrong = [seed for seed, (_, total) in enumerate(results) if total != expected_squares(seed)]
    return {
        "tasks": tasks,
        "wrong": wrong,
        "workers_used": len({address for address, _ in results}),
        "most_workers": max(seen),
        "seconds_to_workers": {str(k): v for k, v in sorted(seen.items())},
        "seconds": round(time.time() - start, 1),
    }


RECOMPUTED = "daskk8s-recomputed"


def count_recomputed(dask_scheduler, name=RECOMPUTED):
    """On the scheduler: from now on, count per key the times a task finishes computing."""
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Computed(SchedulerPlugin):
        def __init__(self):
            self.done = {}

        def transition(self, key, start, finish, *args, **kwargs):
            if start == "processing" and finish == "memory":
                self.done[key] = self.done.get(key, 0) + 1

    if name in dask_scheduler.plugins:
        dask_scheduler.remove_plugin(name=name)
    dask_scheduler.add_plugin(Computed(), name=name)


def recomputed(client, futures):
    """How many of these keys computed again since count_recomputed ran."""
    done = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.plugins[RECOMPUTED].done])
    return len({str(f.key) for f in futures} & set(done))


def placement(client, futures):
    # who_has takes futures: with a list of tuple keys (dask.array's) it answers nothing.
    where = client.who_has(futures)
    keys = [f.key for f in futures]
    per_worker = {}
    for key in keys:
        for address in where.get(key, ()):
            per_worker[address] = per_worker.get(address, 0) + 1
    holders = {str(key): sorted(where.get(key, ())) for key in keys}
    return sum(1 for key in keys if where.get(key)), per_worker, holders


CHUNKS = 64  # of 500x500 float64: 128 MB in all


def chunk(seed):
    import numpy as np

    return np.random.RandomState(seed).random_sample((500, 500))


def chunk_total(chunk):
    return float(chunk.sum())


def dataset_sum(client, futures):
    # One small task per chunk, run where the chunk is (its only dependency):
    # adding them up on one worker would copy every chunk there, and a copy
    # on a surviving worker would hide what a stopped one lost.
    return sum(client.gather(client.map(chunk_total, futures, pure=False, priority=10)))


def persist(client, name, want_workers, busy_tasks):
    from distributed import wait

    busy = [client.submit(squares, seed, pure=False) for seed in range(busy_tasks)]
    deadline = time.time() + 600
    while len(client.scheduler_info()["workers"]) < want_workers:
        if time.time() > deadline:
            raise SystemExit(f"fewer than {want_workers} workers after 600s")
        time.sleep(0.5)
    # Dealt round-robin to the workers there (ahead of the busy tasks): left to
    # the scheduler, such tiny tasks would all go to whichever worker is free
    # first. Loose restrictions: a lost chunk may be recomputed anywhere.
    addresses = sorted(client.scheduler_info()["workers"])
    futures = [
        client.submit(chunk, i, key=f"{name}-{i}", workers=[addresses[i % len(addresses)]], allow_other_workers=True, priority=10)
        for i in range(CHUNKS)
    ]
    wait(futures)
    client.run_on_scheduler(count_recomputed)
    client.publish_dataset(futures, name=name)
    total = dataset_sum(client, futures)
    in_memory, per_worker, holders = placement(client, futures)
    client.cancel(busy)
    return {"keys": len(futures), "in_memory": in_memory, "per_worker": per_worker, "holders": holders, "sum": total}


def persisted(client, name):
    from distributed import wait

    futures = client.get_dataset(name)
    wait(futures)  # keys being computed again (lost with their worker) are then counted
    again = recomputed(client, futures)
    in_memory, per_worker, _ = placement(client, futures)
    return {
        "keys": len(futures),
        "in_memory": in_memory,
        "per_worker": per_worker,
        "recomputed": again,
        "sum": dataset_sum(client, futures),
    }


def forget(client, name):
    client.unpublish_dataset(name)
    return {"datasets": list(client.list_datasets())}


def main():
    address, command, *args = sys.argv[1:]
    with Client(address, timeout=60) as client:
        if command == "compute":
            out = compute(client)
        elif command == "workers":
            out = workers(client, *args)
        elif command == "reach":
            out = reach(client, *args)
        elif command == "load":
            out = load(client, int(args[0]), float(args[1]))
        elif command == "burst":
            out = burst(client, int(args[0]), float(args[1]))
        elif command == "persist":
            out = persist(client, args[0], int(args[1]), int(args[2]))
        elif command == "persisted":
            out = persisted(client, args[0])
        elif command == "forget":
            out = forget(client, args[0])
        else:
            raise SystemExit(f"unknown command {command}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
