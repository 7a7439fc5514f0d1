// What any TypeScript Pulumi program costs here: the engine, the Node.js
// language host and the SDK, with no resource and no provider.
import * as pulumi from "@pulumi/pulumi";

export const project = pulumi.getProject();
