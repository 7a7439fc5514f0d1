// Stack config → settings: the only code that reads what `pulumi config`
// holds. index.ts hands the result to the components.
export { StackConfigError, StackSettings, RawStackConfig, loadStackConfig, stackSchema } from "./stackConfig";
export { SECRET_SETTINGS, StackFileValues, secretConfigKeys, secretProblems, stackFileLocation, stackFileValues } from "./secrets";
export { checkCluster } from "./clusterChecks";
