import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, promiseOf, secretInput, settle } from "../mocks";
import { KubeconfigTarget, kubeconfigFile, validateKubeconfigTargetArgs } from "../../components/cluster/KubeconfigTarget";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-kubeconfig-"));
const kubeconfigPath = path.join(dir, "config");
const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "current-context: kind-dev",
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
    "users: [{name: u, user: {token: not-a-real-token}}]",
    "contexts:",
    "- {name: kind-dev, context: {cluster: c, user: u}}",
    "- {name: minikube, context: {cluster: c, user: u}}",
    "",
].join("\n");
fs.writeFileSync(kubeconfigPath, kubeconfig);

describe("KubeconfigTarget", () => {
    it("builds a provider for the named context with the kubeconfig as a secret", async () => {
        const target = new KubeconfigTarget("kc", { kubeconfigPath, context: "minikube" });
        await settle();
        const provider = find(registered, "pulumi:providers:kubernetes", "kc-provider");
        assert.equal(provider.inputs.context, "minikube");
        assert.equal(secretInput(provider.inputs.kubeconfig), kubeconfig);
        assert.equal(await pulumi.isSecret(target.kubeconfig), true);
        assert.equal(await promiseOf(target.context), "minikube");
    });

    it("adopts existing objects only when asked: the provider forces server-side apply, and hands out the force transform", async () => {
        const plain = new KubeconfigTarget("kc-plain", { kubeconfigPath, context: "minikube" });
        const adopting = new KubeconfigTarget("kc-adopt", { kubeconfigPath, context: "minikube", adoptExisting: true });
        await settle();
        assert.equal(find(registered, "pulumi:providers:kubernetes", "kc-plain-provider").inputs.enablePatchForce, undefined);
        assert.deepEqual(plain.transforms, []);
        assert.equal(find(registered, "pulumi:providers:kubernetes", "kc-adopt-provider").inputs.enablePatchForce, "true");
        assert.equal(adopting.transforms.length, 1);
    });

    it("uses the current-context when none is named", async () => {
        const target = new KubeconfigTarget("kc-current", { kubeconfigPath });
        assert.equal(await promiseOf(target.context), "kind-dev");
    });

    it("finds the file through $KUBECONFIG, else ~/.kube/config", () => {
        assert.equal(kubeconfigFile({}, { KUBECONFIG: `${kubeconfigPath}${path.delimiter}/other` }), kubeconfigPath);
        assert.equal(kubeconfigFile({}, {}), path.join(os.homedir(), ".kube", "config"));
        assert.deepEqual(validateKubeconfigTargetArgs({ context: "minikube" }, { KUBECONFIG: kubeconfigPath }), []);
    });

    it("rejects a context that is not in the file, listing the ones that are", () => {
        assert.throws(
            () => new KubeconfigTarget("kc-bad", { kubeconfigPath, context: "prod" }),
            (err: Error) =>
                err instanceof InvalidArgsError &&
                err.message.includes(`context ("prod") must be a context in ${kubeconfigPath} (contexts: kind-dev, minikube)`),
        );
    });

    it("rejects a missing kubeconfig file", () => {
        const missing = path.join(dir, "missing");
        assert.throws(
            () => new KubeconfigTarget("kc-missing", { kubeconfigPath: missing }),
            (err: Error) => err.message.includes(`kubeconfigPath ("${missing}") does not exist`),
        );
    });

    it("rejects a file that is not YAML", () => {
        const broken = path.join(dir, "broken");
        fs.writeFileSync(broken, "contexts: [unclosed");
        assert.throws(() => new KubeconfigTarget("kc-broken", { kubeconfigPath: broken, context: "x" }), /is not a readable kubeconfig/);
    });

    it("suggests starting minikube when its context is missing", () => {
        const issues = validateKubeconfigTargetArgs({ context: "minikube" }, { KUBECONFIG: path.join(dir, "broken-minikube") });
        assert.match(issues[0].rule, /does not exist/);
        const only = path.join(dir, "only-kind");
        fs.writeFileSync(only, kubeconfig.replace("- {name: minikube, context: {cluster: c, user: u}}\n", ""));
        assert.match(validateKubeconfigTargetArgs({ kubeconfigPath: only, context: "minikube" })[0].rule, /start it with `minikube start`/);
    });
});
