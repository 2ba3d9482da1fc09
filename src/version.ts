/** meshward's version (package.json): `--version`, and what a convergence stamp binds to. */
export const MESHWARD_VERSION = '0.1.0';
