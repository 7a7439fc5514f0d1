import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { keptRandom } from "./keptRandom";

/**
 * The key of the revisions a DaskCluster derives from its Secrets' contents
 * ({@link contentRevision}), kept in the Secret `secretName`.
 */
export function revisionKey(name: string, secretName: string, namespace: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
    return keptRandom(name, { secretName, namespace, key: "key", draw: () => crypto.randomBytes(32).toString("base64") }, parent);
}

/**
 * A revision of a Secret's contents, for the pods that read them at start:
 * it changes exactly when the contents do. Keyed with {@link revisionKey},
 * so it is no secret (it says nothing of the contents without the key) and
 * shows in the Deployment, where a plain digest of a password would let
 * anyone who can read the Deployment try guesses against it. A resourceVersion
 * would not do: previews of a changed Secret report the old one.
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
