import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { adoptExistingTransform, adoptionTransforms, patchForce } from "../../components/cluster/adoption";

function transform(type: string, props: Record<string, unknown>, custom = true) {
    return adoptExistingTransform({ custom, type, name: "x", props, opts: {} }) as pulumi.ResourceTransformResult | undefined;
}

describe("adoptExisting", () => {
    it("forces server-side apply on every Kubernetes object, keeping its annotations", () => {
        const result = transform("kubernetes:apps/v1:Deployment", { metadata: { name: "dask-worker", annotations: { team: "a" } }, spec: { x: 1 } });
        assert.deepEqual(result?.props, { metadata: { name: "dask-worker", annotations: { team: "a", "pulumi.com/patchForce": "true" } }, spec: { x: 1 } });
        assert.deepEqual(transform("kubernetes:core/v1:Namespace", { metadata: { name: "dask" } })?.props, {
            metadata: { name: "dask", annotations: { "pulumi.com/patchForce": "true" } },
        });
    });

    it("leaves charts, components, providers and other packages alone", () => {
        assert.equal(transform("kubernetes:helm.sh/v4:Chart", { chart: "dask", values: {} }), undefined);
        assert.equal(transform("daskk8s:index:DaskCluster", {}, false), undefined);
        assert.equal(transform("pulumi:providers:kubernetes", { kubeconfig: "x" }), undefined);
        assert.equal(transform("aws:iam/role:Role", { metadata: {} }), undefined);
    });

    it("is off unless asked for", () => {
        assert.deepEqual(adoptionTransforms({}), []);
        assert.deepEqual(adoptionTransforms({ adoptExisting: false }), []);
        assert.deepEqual(adoptionTransforms({ adoptExisting: true }), [adoptExistingTransform]);
        assert.deepEqual([patchForce({}), patchForce({ adoptExisting: true })], [{}, { enablePatchForce: true }]);
    });
});
