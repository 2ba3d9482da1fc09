/**
 * Who an object in the managed scope belongs to (product.md's safety rule): meshward's only when
 * its recorded state says meshward made it. A marker on the object (a comment, a label, a tag) is
 * a hint shown in findings, never evidence on its own: an object that carries meshward's marker
 * but is not recorded was forged or left by an apply whose record was lost, and is never changed
 * or dropped; one without the marker is someone else's. The same rule on every target; a target
 * that keeps no markers leaves `marked` out (then the record alone decides: ours, or foreign).
 *
 *   ours     marked and recorded (or the state store's own root, adopted while nothing is recorded)
 *   forged   marked, not recorded: reported (FOREIGN_OBJECT, contradicts the model), never touched
 *   foreign  in the managed scope without the marker: reported, never touched
 */
export type Ownership = 'ours' | 'forged' | 'foreign';

export function ownershipOf(o: { readonly marked?: boolean; readonly recorded: boolean; readonly adopted?: boolean }): Ownership {
  if (o.marked === undefined) return o.recorded ? 'ours' : 'foreign';
  if (o.marked && (o.recorded || o.adopted === true)) return 'ours';
  return o.marked ? 'forged' : 'foreign';
}
