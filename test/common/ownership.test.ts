import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { FakeApiServer, startFakeApiServer } from "../fakeApiServer";
import { apiEndpoint, kubeGet } from "../../components/common/kubeApi";
import { OWNER_ANNOTATION, metricsApiTakeoverIssue, namespaceTakeoverIssue } from "../../components/common/ownership";

const OWNER = "organization/daskk8s/dev";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-kubeapi-"));

function kubeconfig(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server, ...cluster } }],
        users: [{ name: "u", user }],
        contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    });
}

describe("namespace takeover check", () => {
    let api: FakeApiServer;
    before(async () => (api = await startFakeApiServer()));
    after(() => api.close());
    const check = (namespace: string) => namespaceTakeoverIssue(apiEndpoint(kubeconfig(api.url, { token: "t" }), "ctx"), namespace, OWNER, "context ctx");

    it("lets a namespace that does not exist be created", async () => {
        assert.equal(await check("fresh"), undefined);
        assert.equal(api.requests.at(-1)?.path, "/api/v1/namespaces/fresh");
    });

    it("lets this stack keep the namespace it created", async () => {
        api.namespaces.set("mine", { metadata: { name: "mine", annotations: { [OWNER_ANNOTATION]: OWNER } } });
        assert.equal(await check("mine"), undefined);
    });

    it("refuses a namespace someone else created, saying how to deploy into it", async () => {
        api.namespaces.set("team-a", { metadata: { name: "team-a", labels: { team: "a" } } });
        const issue = await check("team-a");
        assert.equal(issue?.path, "namespace");
        assert.equal(issue?.value, "team-a");
        assert.match(
            issue!.rule,
            /^already exists in context ctx and was not created by this stack \(it has no daskk8s\.io\/owner annotation; .*kubectl annotate namespace team-a daskk8s\.io\/owner=organization\/daskk8s\/dev/,
        );
        assert.match(issue!.rule, /`pulumi destroy` would delete it with everything in it: deploy into it with \{\{createNamespace\}\} false/);
    });

    it("refuses a namespace another stack created", async () => {
        api.namespaces.set("other", { metadata: { name: "other", annotations: { [OWNER_ANNOTATION]: "organization/daskk8s/prod" } } });
        assert.match((await check("other"))!.rule, /already exists in context ctx and belongs to stack organization\/daskk8s\/prod/);
    });

    it("takes a 404 that is not the API server's NotFound as no answer (a proxy in the way)", async () => {
        const proxy = http.createServer((_, res) => {
            res.writeHead(404);
            res.end("404 page not found");
        });
        await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
        try {
            const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
            const issue = await namespaceTakeoverIssue(apiEndpoint(kubeconfig(url, {}), "ctx"), "x", OWNER, "context ctx");
            assert.match(issue!.rule, /^could not be checked in context ctx: the API server answered 404 \(404 page not found\)/);
        } finally {
            proxy.close();
        }
    });

    it("keeps the path of a server address (clusters behind a proxy)", async () => {
        await namespaceTakeoverIssue(apiEndpoint(kubeconfig(`${api.url}/k8s/clusters/c-1/`, {}), "ctx"), "behind", OWNER, "context ctx");
        assert.equal(api.requests.at(-1)?.path, "/k8s/clusters/c-1/api/v1/namespaces/behind");
    });

    it("says when the API server does not let it look", async () => {
        api.failWith = 403;
        try {
            assert.match((await check("any"))!.rule, /^could not be checked in context ctx: the API server answered 403 \(namespaces is forbidden/);
        } finally {
            api.failWith = undefined;
        }
    });

    it("says when the API server cannot be reached", async () => {
        const closed = await startFakeApiServer();
        await closed.close();
        const issue = await namespaceTakeoverIssue(apiEndpoint(kubeconfig(closed.url, {}), "ctx"), "x", OWNER, "context ctx");
        assert.match(issue!.rule, /^could not be checked in context ctx: cannot reach http:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED/);
    });
});

describe("metrics API takeover check", () => {
    let api: FakeApiServer;
    before(async () => (api = await startFakeApiServer()));
    after(() => api.close());
    const PATH = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io";
    const check = () => metricsApiTakeoverIssue(apiEndpoint(kubeconfig(api.url, {}), "ctx"), "v1beta1.metrics.k8s.io", OWNER, "context ctx");

    it("lets the chart install where nothing serves the metrics API, or where this stack installed it", async () => {
        assert.equal(await check(), undefined);
        assert.equal(api.requests.at(-1)?.path, PATH);
        api.objects.set(PATH, {
            metadata: { annotations: { [OWNER_ANNOTATION]: OWNER } },
            spec: { service: { namespace: "kube-system", name: "metrics-server" } },
        });
        assert.equal(await check(), undefined);
    });

    it("refuses a second metrics server, naming what serves the API and what to set", async () => {
        api.objects.set(PATH, { metadata: {}, spec: { service: { namespace: "kube-system", name: "metrics-server" } } });
        assert.deepEqual(await check(), {
            path: "mode",
            value: "chart",
            rule:
                "would install a second metrics server: context ctx already serves " +
                "v1beta1.metrics.k8s.io from the Service kube-system/metrics-server, not marked as this stack's (if this stack installed it with an " +
                "earlier version of this program, mark it: `kubectl annotate apiservice v1beta1.metrics.k8s.io daskk8s.io/owner=organization/daskk8s/dev`, " +
                'as setting {{mode}} "existing" would then remove it); two would take the APIService and RBAC objects from each other. ' +
                'Set {{mode}} to "existing" to use the cluster\'s',
        });
        api.objects.set(PATH, {
            metadata: { annotations: { [OWNER_ANNOTATION]: "organization/daskk8s/prod" } },
            spec: { service: { namespace: "monitoring", name: "ms" } },
        });
        assert.match((await check())!.rule, /from the Service monitoring\/ms, installed by stack organization\/daskk8s\/prod;/);
    });
});

describe("kubeconfig credentials for the API checks", () => {
    let api: FakeApiServer;
    before(async () => (api = await startFakeApiServer()));
    after(() => api.close());
    const authorization = async (user: Record<string, unknown>) => {
        await kubeGet(apiEndpoint(kubeconfig(api.url, user), "ctx"), "/api/v1/namespaces/x");
        return api.requests.at(-1)?.authorization;
    };

    it("sends a token, a token file's token, or basic credentials", async () => {
        assert.equal(await authorization({ token: "abc" }), "Bearer abc");
        const tokenFile = path.join(dir, "token");
        fs.writeFileSync(tokenFile, "from-file\n");
        assert.equal(await authorization({ tokenFile }), "Bearer from-file");
        assert.equal(await authorization({ username: "admin", password: "pw" }), `Basic ${Buffer.from("admin:pw").toString("base64")}`);
        assert.equal(await authorization({}), undefined);
    });

    it("runs an exec credential plugin with its env and the cluster in KUBERNETES_EXEC_INFO", async () => {
        const plugin = path.join(dir, "plugin.sh");
        fs.writeFileSync(
            plugin,
            [
                "#!/bin/sh",
                'server=$(printf \'%s\' "$KUBERNETES_EXEC_INFO" | sed \'s/.*"server":"\\([^"]*\\)".*/\\1/\')',
                'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s-%s"}}\' "$1" "$PROFILE" "$server"',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const token = await authorization({
            exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, args: ["eks"], env: [{ name: "PROFILE", value: "team" }] },
        });
        assert.equal(token, `Bearer eks-team-${api.url}`);
    });

    it("explains a failing plugin and what it cannot use", () => {
        assert.throws(() => apiEndpoint(kubeconfig(api.url, { exec: { command: "false" } }), "ctx"), /the credential plugin `false` failed \(exit status 1/);
        assert.throws(
            () => apiEndpoint(kubeconfig(api.url, { exec: { command: path.join(dir, "missing-plugin") } }), "ctx"),
            /missing-plugin` failed \(spawnSync .* ENOENT\)/,
        );
        assert.throws(
            () => apiEndpoint(kubeconfig(api.url, { "auth-provider": { name: "gcp" } }), "ctx"),
            /auth-provider "gcp", which Kubernetes removed in 1\.26/,
        );
        assert.throws(
            () => apiEndpoint(kubeconfig(api.url, {}, { "proxy-url": "http://proxy:3128" }), "ctx"),
            /proxy-url, which the program's checks do not support/,
        );
        assert.throws(() => apiEndpoint(kubeconfig(api.url, {}), "nope"), /the kubeconfig has no context named "nope"/);
    });

    it("reads the CA, client certificate and TLS settings of the cluster", () => {
        const endpoint = apiEndpoint(
            kubeconfig(
                "https://10.0.0.1:6443",
                { "client-certificate-data": Buffer.from("CERT").toString("base64"), "client-key-data": Buffer.from("KEY").toString("base64") },
                { "certificate-authority-data": Buffer.from("CA").toString("base64"), "tls-server-name": "kubernetes" },
            ),
            "ctx",
        );
        assert.equal(endpoint.server.origin, "https://10.0.0.1:6443");
        assert.deepEqual([String(endpoint.tls.ca), String(endpoint.tls.cert), String(endpoint.tls.key)], ["CA", "CERT", "KEY"]);
        assert.equal(endpoint.tls.servername, "kubernetes");
        assert.equal(endpoint.tls.rejectUnauthorized, true);
        assert.equal(apiEndpoint(kubeconfig("https://x", {}, { "insecure-skip-tls-verify": true }), "ctx").tls.rejectUnauthorized, false);
    });
});
