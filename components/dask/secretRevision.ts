import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/**
 * The key of the revisions a DaskCluster derives from its Secrets' contents.
 * 32 random bytes drawn when the Secret holding them is created; later runs
 * draw new ones, which `ignoreChanges` discards, so the key is the first one,
 * read back from the Secret's outputs. Those are known in every preview (the
 * stored outputs when nothing changes, the inputs on a new stack), unlike a
 * resourceVersion, which previews of a changed Secret report unchanged.
 */
export function revisionKey(name: string, secretName: string, namespace: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
    const secret = new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: secretName, namespace },
            // `data`, not `stringData`: a preview that cannot reach the
            // namespace yet returns the inputs, and only `data` is in both.
            data: pulumi.secret({ key: crypto.randomBytes(32).toString("base64") }),
        },
        { parent, ignoreChanges: ["data"] },
    );
    return pulumi.secret(secret.data.apply((data) => data.key));
}

/**
 * A revision of a Secret's contents, for the pods that read them at start:
 * it changes exactly when the contents do. Keyed with {@link revisionKey},
 * so it is no secret (it says nothing of the contents without the key) and
 * shows in the Deployment, where a plain digest of a password would let
 * anyone who can read the Deployment try guesses against it.
 */
export function contentRevision(key: pulumi.Output<string>, contents: pulumi.Input<Record<string, pulumi.Input<string>>>): pulumi.Output<string> {
    return pulumi.unsecret(
        pulumi.all([key, pulumi.output(contents)]).apply(([k, values]) => {
            const canonical = JSON.stringify(
                Object.keys(values ?? {})
                    .sort()
                    .map((n) => [n, values[n]]),
            );
            return crypto.createHmac("sha256", Buffer.from(k, "base64")).update(canonical).digest("hex").slice(0, 16);
        }),
    );
}
