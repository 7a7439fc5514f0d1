// Stack config → settings: the only code that reads what `pulumi config`
// holds. index.ts hands the result to the components.
export { StackConfigError, StackSettings, RawStackConfig, loadStackConfig, expandHome } from "./stackConfig";
export { SECRET_SETTINGS, secretConfigKeys, secureValuePaths, secretProblems } from "./secrets";
export { checkCluster } from "./clusterChecks";
