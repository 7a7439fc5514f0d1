import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as http from "http";
import { FakeApiServer, kubeconfigText as kubeconfig, startFakeApiServer } from "../fakeApiServer";
import { apiEndpoint } from "../../components/common/kubeApi";
import { OWNER_ANNOTATION, metricsApiTakeoverIssue, namespaceTakeoverIssue } from "../../components/common/ownership";

const OWNER = "organization/daskk8s/dev";

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
