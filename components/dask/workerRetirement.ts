/**
 * Graceful worker removal. A worker pod that is deleted (an autoscaler's
 * scale-down, a rollout, a drained node) first asks the scheduler to retire
 * it: Dask moves the results it holds to the other workers and then closes
 * it. Only then does the pod get SIGTERM, which on its own loses those
 * results and makes Dask recompute them (measured: ~180 recomputing
 * transitions for 31 chunks, on Dask 2024.1.0 and 2026.7.1 alike).
 */

/** The downward-API variable that tells the hook its own pod address. */
export const POD_IP_ENV = "DASKK8S_POD_IP";

/** Seconds the pod keeps after the hook, for the worker to stop on SIGTERM. */
export const SHUTDOWN_SECONDS = 30;

/**
 * The preStop hook, run by the image's Python with the scheduler's HTTP
 * address and the timeout as arguments. It retires every worker of this pod
 * (a worker's address is `tcp://<pod IP>:<port>`) through the scheduler's
 * API (`distributed.http.scheduler.api`, which DaskCluster enables) and
 * writes what happened to the container's log (the main process's stdout;
 * `DASKK8S_RETIRE_LOG` names another file, for tests). It never fails the pod's
 * deletion: a scheduler that is gone (the whole cluster being deleted) only
 * shortens it.
 */
export const RETIRE_SCRIPT = `import json, os, sys, urllib.request
base, timeout = sys.argv[1], float(sys.argv[2])
ip = os.environ["${POD_IP_ENV}"].strip("[]")
def log(text):
    try:
        with open(os.environ.get("DASKK8S_RETIRE_LOG", "/proc/1/fd/1"), "a") as out:
            out.write("daskk8s preStop: " + text + "\\n")
    except OSError:
        print(text)
def api(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.load(answer)
try:
    mine = [w["address"] for w in api("/api/v1/get_workers")["workers"] if w["address"].split("://")[-1].rsplit(":", 1)[0].strip("[]") == ip]
    if mine:
        log("retiring %s" % mine)
        retired = api("/api/v1/retire_workers", {"workers": mine})
        log("retired %s" % sorted(retired))
    else:
        log("no worker of %s at the scheduler" % ip)
except Exception as error:
    log("could not retire: %r" % error)
`;

type Container = { name?: string; env?: unknown[]; lifecycle?: Record<string, unknown> };

/**
 * Adds the retirement hook to a worker Deployment's first container (the
 * worker; the chart renders no other), its pod address variable, and a
 * termination grace period that covers the hook and the shutdown.
 */
export function addRetirement(deployment: { spec?: Record<string, any> }, schedulerHttpAddress: string, timeoutSeconds: number): void {
    const pod = deployment.spec?.template?.spec;
    const container = pod?.containers?.[0] as Container | undefined;
    if (pod === undefined || container === undefined) {
        return;
    }
    // fieldRef is applied as a whole: with the apiVersion the API server would default, a
    // rerun whose field manager differs (after an interrupted run) applies the same value.
    container.env = [...(container.env ?? []), { name: POD_IP_ENV, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } }];
    container.lifecycle = {
        ...container.lifecycle,
        preStop: { exec: { command: ["python", "-c", RETIRE_SCRIPT, schedulerHttpAddress, String(timeoutSeconds)] } },
    };
    pod.terminationGracePeriodSeconds = timeoutSeconds + SHUTDOWN_SECONDS;
}
