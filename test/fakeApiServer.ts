import * as http from "http";

/** A Kubernetes API server that knows only some namespaces, over plain HTTP on 127.0.0.1. */
export interface FakeApiServer {
    url: string;
    /** Namespace objects by name; missing names answer 404. */
    namespaces: Map<string, object>;
    /** Any other object by its API path (`/apis/.../name`). */
    objects: Map<string, object>;
    /** Request paths and Authorization headers, in order. */
    requests: { path: string; authorization?: string }[];
    /** Set to answer every request with this status instead. */
    failWith?: number;
    close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
    const fake: Partial<FakeApiServer> = { namespaces: new Map(), objects: new Map(), requests: [] };
    const server = http.createServer((req, res) => {
        fake.requests!.push({ path: req.url ?? "", authorization: req.headers.authorization });
        const match = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(req.url ?? "");
        const send = (status: number, body: object) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (fake.failWith !== undefined) {
            send(fake.failWith, { kind: "Status", message: 'namespaces is forbidden: User "dev" cannot get resource "namespaces"' });
        } else if (match && fake.namespaces!.has(decodeURIComponent(match[1]))) {
            send(200, fake.namespaces!.get(decodeURIComponent(match[1]))!);
        } else if (fake.objects!.has(req.url ?? "")) {
            send(200, fake.objects!.get(req.url ?? "")!);
        } else {
            send(404, { kind: "Status", reason: "NotFound", message: "not found", code: 404 });
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    fake.url = `http://127.0.0.1:${address.port}`;
    fake.close = () => new Promise((resolve) => server.close(() => resolve()));
    server.unref();
    return fake as FakeApiServer;
}

/** A kubeconfig (as text) with one context `ctx` for `server`, authenticating as `user`. */
export function kubeconfigText(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server, ...cluster } }],
        users: [{ name: "u", user }],
        contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    });
}
