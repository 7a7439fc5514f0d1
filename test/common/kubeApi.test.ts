import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeApiServer, kubeconfigText as kubeconfig, startFakeApiServer } from "../fakeApiServer";
import { apiEndpoint, kubeGet } from "../../components/common/kubeApi";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-kubeapi-"));

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
