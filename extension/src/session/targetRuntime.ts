// The heavy half of the extension (profile schema checks with ajv, the launchers, host checks),
// bundled as its own file (dist/targetRuntime.js) and loaded on first use: activation never pays
// for it. See lazyRuntime.ts.
export { loadProfiles } from '../target/profiles';
export { launch } from '../target/launcher';
export { readHostFacts } from '../target/hostcaps';
export { profileChoices } from '../profiles/profileChoices';
