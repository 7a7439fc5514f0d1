/**
 * One read-only request to a cluster's API server, authenticated the way a
 * kubeconfig context says: client certificates, bearer tokens (inline or
 * file), basic auth, or an exec credential plugin (`aws eks get-token`,
 * `gke-gcloud-auth-plugin`, `kubelogin`). The program uses it for the checks
 * that must see the cluster before any resource is registered.
 */
import * as childProcess from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as http from "http";
import { parse } from "yaml";

/** Thrown when a context cannot be used for a request; the message says why. */
export class KubeApiError extends Error {}

interface Named<T> {
    name: string;
    [key: string]: unknown;
    cluster?: T;
    user?: T;
    context?: T;
}
interface ClusterEntry {
    server?: string;
    "certificate-authority-data"?: string;
    "certificate-authority"?: string;
    "insecure-skip-tls-verify"?: boolean;
    "tls-server-name"?: string;
    "proxy-url"?: string;
}
interface ExecConfig {
    command: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    apiVersion?: string;
}
interface UserEntry {
    "client-certificate-data"?: string;
    "client-key-data"?: string;
    "client-certificate"?: string;
    "client-key"?: string;
    token?: string;
    tokenFile?: string;
    username?: string;
    password?: string;
    exec?: ExecConfig;
    "auth-provider"?: { name?: string };
}

/** How to reach the API server of one context. */
export interface ApiEndpoint {
    server: URL;
    tls: https.AgentOptions;
    headers: Record<string, string>;
}

function pick<T>(list: unknown, name: string, kind: "cluster" | "user" | "context"): T {
    const entry = (Array.isArray(list) ? (list as Named<T>[]) : []).find((e) => e?.name === name);
    if (entry?.[kind] === undefined) {
        throw new KubeApiError(`the kubeconfig has no ${kind} named "${name}"`);
    }
    return entry[kind] as T;
}

function base64(text: string): Buffer {
    return Buffer.from(text, "base64");
}

/** Runs an exec credential plugin and returns its ExecCredential status. */
function execCredential(exec: ExecConfig, server: string): { token?: string; clientCertificateData?: string; clientKeyData?: string } {
    const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1beta1";
    const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) };
    env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: "ExecCredential", spec: { interactive: false, cluster: { server } } });
    const run = childProcess.spawnSync(exec.command, exec.args ?? [], { env, encoding: "utf8", timeout: 60_000 });
    if (run.error !== undefined || run.status !== 0) {
        const why = run.error?.message ?? `exit status ${run.status}: ${(run.stderr ?? "").trim().split("\n").slice(-1)[0]}`;
        throw new KubeApiError(`the credential plugin \`${exec.command}\` failed (${why})`);
    }
    try {
        return (JSON.parse(run.stdout) as { status?: Record<string, string> }).status ?? {};
    } catch {
        throw new KubeApiError(`the credential plugin \`${exec.command}\` printed no ExecCredential`);
    }
}

/** The server, TLS settings and headers of a context in a kubeconfig. */
export function apiEndpoint(kubeconfig: string, context: string): ApiEndpoint {
    const doc = (parse(kubeconfig) ?? {}) as Record<string, unknown>;
    const ctx = pick<{ cluster: string; user?: string }>(doc.contexts, context, "context");
    const cluster = pick<ClusterEntry>(doc.clusters, ctx.cluster, "cluster");
    const user: UserEntry = ctx.user !== undefined ? pick<UserEntry>(doc.users, ctx.user, "user") : {};
    if (cluster.server === undefined) {
        throw new KubeApiError(`cluster "${ctx.cluster}" has no server`);
    }
    if (cluster["proxy-url"] !== undefined) {
        throw new KubeApiError(`cluster "${ctx.cluster}" is reached through proxy-url, which the program's checks do not support`);
    }
    if (user["auth-provider"] !== undefined) {
        throw new KubeApiError(
            `user "${ctx.user}" uses the auth-provider "${user["auth-provider"].name}", which Kubernetes removed in 1.26: use its exec credential plugin`,
        );
    }
    const server = new URL(cluster.server);
    const tls: https.AgentOptions = {
        rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
        ...(cluster["tls-server-name"] !== undefined ? { servername: cluster["tls-server-name"] } : {}),
    };
    if (cluster["certificate-authority-data"] !== undefined) {
        tls.ca = base64(cluster["certificate-authority-data"]);
    } else if (cluster["certificate-authority"] !== undefined) {
        tls.ca = fs.readFileSync(cluster["certificate-authority"]);
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    let cert =
        user["client-certificate-data"] !== undefined
            ? base64(user["client-certificate-data"])
            : user["client-certificate"] !== undefined
              ? fs.readFileSync(user["client-certificate"])
              : undefined;
    let key =
        user["client-key-data"] !== undefined
            ? base64(user["client-key-data"])
            : user["client-key"] !== undefined
              ? fs.readFileSync(user["client-key"])
              : undefined;
    let token = user.token ?? (user.tokenFile !== undefined ? fs.readFileSync(user.tokenFile, "utf8").trim() : undefined);
    if (user.exec !== undefined && token === undefined && cert === undefined) {
        const status = execCredential(user.exec, cluster.server);
        token = status.token;
        cert = status.clientCertificateData !== undefined ? Buffer.from(status.clientCertificateData) : undefined;
        key = status.clientKeyData !== undefined ? Buffer.from(status.clientKeyData) : undefined;
    }
    if (cert !== undefined && key !== undefined) {
        tls.cert = cert;
        tls.key = key;
    }
    if (token !== undefined) {
        headers.Authorization = `Bearer ${token}`;
    } else if (user.username !== undefined && user.password !== undefined) {
        headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`;
    }
    return { server, tls, headers };
}

/** GET `apiPath` (e.g. `/api/v1/namespaces/dask`): the status code and the parsed body. */
export function kubeGet(endpoint: ApiEndpoint, apiPath: string, timeoutMs = 15_000): Promise<{ status: number; body: unknown }> {
    // Keep a path the server has (`https://host/k8s/clusters/c-1`, behind proxies).
    const url = new URL(endpoint.server.href.replace(/\/+$/, "") + apiPath);
    const secure = url.protocol === "https:";
    return new Promise((resolve, reject) => {
        const request = (secure ? https : http).request(
            url,
            {
                method: "GET",
                headers: endpoint.headers,
                ...(secure ? { agent: new https.Agent({ ...endpoint.tls, keepAlive: false }) } : {}),
                timeout: timeoutMs,
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let body: unknown = text;
                    try {
                        body = JSON.parse(text);
                    } catch {
                        // not JSON: keep the text for the message
                    }
                    resolve({ status: response.statusCode ?? 0, body });
                });
            },
        );
        request.on("timeout", () => request.destroy(new KubeApiError(`no answer from ${endpoint.server.origin} within ${timeoutMs / 1000} s`)));
        request.on("error", (err) => reject(err instanceof KubeApiError ? err : new KubeApiError(`cannot reach ${endpoint.server.origin} (${err.message})`)));
        request.end();
    });
}
