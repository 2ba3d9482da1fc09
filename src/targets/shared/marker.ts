/** `meshward:<project>:<kind>:<name>` — the marker every managed object carries as its COMMENT (a hint; ownership comes from the recorded state). */
export function marker(project: string, kind: string, name: string): string {
  return `meshward:${project}:${kind}:${name}`;
}

/** Does a COMMENT mark an object of this project? (A prefix alone never makes it managed.) */
export function isOurMarker(comment: string | null | undefined, project: string): boolean {
  return typeof comment === 'string' && comment.startsWith(`meshward:${project}:`);
}
