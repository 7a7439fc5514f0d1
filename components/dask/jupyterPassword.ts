import * as crypto from "crypto";

/**
 * The password hash Jupyter's `passwd_check` accepts:
 * `sha1:<salt>:<hex sha1 of password followed by salt>`. The salt is kept in
 * state so that the hash, and so the pods, only change with the password.
 */
export function hashJupyterPassword(password: string, salt: string): string {
    if (salt.length === 0 || salt.includes(":")) {
        throw new Error(`Jupyter password salt (${JSON.stringify(salt)}) must be non-empty and contain no ':'`);
    }
    const digest = crypto
        .createHash("sha1")
        .update(password + salt, "utf8")
        .digest("hex");
    return `sha1:${salt}:${digest}`;
}

/**
 * The salt of a password's hash: an HMAC-SHA256 keyed by the password over
 * the deployment's identity (project, stack, component), 12 hex characters.
 * It differs between deployments and changes with the password, and needs no
 * state: no generated resource, so no Node.js dynamic provider, which other
 * languages cannot host. Derived from the password, it is as secret as the
 * hash and is kept only inside it.
 */
export function jupyterPasswordSalt(password: string, identity: string): string {
    return crypto.createHmac("sha256", password).update(`daskk8s jupyter salt ${identity}`).digest("hex").slice(0, 12);
}

/** The password whose hash the dask chart ships as its default. */
export const CHART_DEFAULT_PASSWORD = "dask";

/** Shortest password accepted from the user. */
export const MIN_PASSWORD_LENGTH = 8;

/** Why a user-chosen password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
    if (password === CHART_DEFAULT_PASSWORD) {
        return "must not be the chart's public default password";
    }
    if (password.length < MIN_PASSWORD_LENGTH) {
        return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
    }
    return undefined;
}

/**
 * Jupyter config appended to the chart's config file: the hash comes from an
 * environment variable filled from a Kubernetes Secret, so it never sits in the
 * ConfigMap. NotebookApp is what the chart writes; ServerApp and
 * PasswordIdentityProvider are what jupyter_server 2 (current images) reads.
 */
export function jupyterPasswordConfig(envVar: string): string {
    return [
        "import os",
        `_hash = os.environ["${envVar}"]`,
        "c.NotebookApp.password = _hash",
        "c.ServerApp.password = _hash",
        "c.PasswordIdentityProvider.hashed_password = _hash",
    ].join("\n");
}
