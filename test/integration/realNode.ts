/**
 * The real node of scripts/realnode.sh, for suites whose pods must really run:
 * starting it, the chart values that put pods on it, and what a user sees
 * from this host (the node's address, Jupyter's login).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REPO, kubectlJson, run } from "./harness";

/** The node's address (on `lo`): NodePorts and the wheel index listen there. */
export const REAL_NODE_IP = "10.245.0.1";
const RUN_DIR = "/run/daskk8s-realnode";

/** The kwok cluster of scripts/cluster.sh with the real node joined (idempotent). */
export async function realNodeCluster(): Promise<void> {
    await run("bash", [path.join(REPO, "scripts", "cluster.sh"), "up"], 600_000, { DASKK8S_REAL_NODE: "1" });
    const node = await kubectlJson("get", "node", "real-node");
    const ready = node.status.conditions.find((c: { type: string }) => c.type === "Ready");
    if (ready?.status !== "True") {
        throw new Error(`the real node is not Ready: ${JSON.stringify(ready)}`);
    }
}

/**
 * The committed `local` stack's chart values (the `dask.values` escape hatch)
 * that run scheduler, workers and Jupyter on the real node: beside fake nodes
 * it is tainted, and only pods that tolerate the taint and select its label
 * run there.
 */
export function realNodeValues(): Record<string, any> {
    const local = parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")).config;
    return structuredClone(local["daskk8s:dask"].values);
}

/**
 * Logs in to Jupyter as a browser does (the login form and its XSRF token).
 * Returns the session cookies, or undefined when the password is refused.
 */
export async function jupyterLogin(url: string, password: string): Promise<string | undefined> {
    const form = await fetch(`${url}/login`);
    const xsrf = /_xsrf=([^;]+)/.exec(form.headers.get("set-cookie") ?? "")?.[1];
    if (xsrf === undefined) {
        throw new Error(`no _xsrf cookie from ${url}/login (status ${form.status})`);
    }
    const login = await fetch(`${url}/login?next=%2Flab`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `_xsrf=${xsrf}` },
        body: new URLSearchParams({ _xsrf: xsrf, password }).toString(),
    });
    const cookies = login.headers.getSetCookie().map((c) => c.split(";")[0]);
    const session = cookies.find((c) => c.startsWith("username-"));
    if (login.status !== 302 || session === undefined) {
        return undefined;
    }
    return [`_xsrf=${xsrf}`, ...cookies].join("; ");
}

/**
 * Runs `action` with a counting rule at the head of the node's forward guard
 * for packets to `address` (the guard drops them anyway), and returns how
 * many it saw: pod traffic that tried to leave for that address.
 */
export async function countDrops<T>(address: string, action: () => Promise<T>): Promise<{ result: T; drops: number }> {
    const match = ["-d", `${address}/32`, "-j", "DROP"];
    await run("iptables", ["-t", "mangle", "-I", "DASKK8S-GUARD", "1", ...match]);
    try {
        const result = await action();
        const listing = await run("iptables", ["-t", "mangle", "-L", "DASKK8S-GUARD", "1", "-v", "-x", "-n"]);
        return { result, drops: Number(listing.trim().split(/\s+/)[0]) };
    } finally {
        await run("iptables", ["-t", "mangle", "-D", "DASKK8S-GUARD", ...match]);
    }
}

/**
 * NAT rules that would let pod traffic leave as this host: what a CNI with
 * ipMasq adds (a POSTROUTING jump for the pod range into a CNI-* chain).
 * kube-proxy's own KUBE-POSTROUTING masquerades only traffic it marked on the
 * way into a Service, never a pod's own outbound traffic.
 */
export async function masqueradeRules(): Promise<string[]> {
    const nat = await run("iptables-save", ["-t", "nat"]);
    return nat.split("\n").filter((l) => /^-A POSTROUTING .*-s 10\.244\./.test(l) || /^:CNI-/.test(l));
}

/** What the host looked like before the real node came up (scripts/realnode.sh snapshot). */
export function realNodeBaseline(): string {
    return fs.readFileSync(path.join(RUN_DIR, "baseline"), "utf8").trimEnd();
}
