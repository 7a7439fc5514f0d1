import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";

/** Letters and digits: safe in URLs, shells and config files. */
export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters of `alphabet`, drawn with a cryptographic generator. */
export function randomText(length: number, alphabet = ALPHANUMERIC): string {
    return Array.from({ length }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
}

/**
 * A random value drawn once and kept in a Kubernetes Secret, under `key`.
 * Every run draws a new value; `ignoreChanges` discards it once the Secret
 * exists, and the value is read back from the Secret's outputs. Those are
 * known in every preview (the stored outputs when nothing changes, the
 * inputs on a new stack), so what derives from the value (a password hash,
 * a revision) is too. No provider of its own: no plugin to launch, which
 * would hold up the engine, and none that other languages cannot host.
 *
 * The value is lost, and drawn again, when the Secret is deleted from the
 * cluster and `pulumi refresh` forgets it, or when the resource is replaced.
 */
export function keptRandom(
    name: string,
    args: { secretName: string; namespace: pulumi.Input<string>; key: string; draw: () => string },
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const secret = new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: args.secretName, namespace: args.namespace },
            // `data`, not `stringData`: a preview that cannot reach the
            // namespace yet returns the inputs, and only `data` is in both.
            data: pulumi.secret({ [args.key]: Buffer.from(args.draw()).toString("base64") }),
        },
        { parent, ignoreChanges: ["data"] },
    );
    return pulumi.secret(secret.data.apply((data) => Buffer.from(data[args.key], "base64").toString()));
}
