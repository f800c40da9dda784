declare module 'object-treeify' {
  /** A tree: keys are node labels, `null` a leaf, a nested object the children (object-treeify's README). */
  export type Tree = { [label: string]: Tree | null | string };
  /** object-treeify's options (its README); only those the CLI sets are declared. */
  type TreeifyOptions = { sortFn?: ((a: string, b: string) => number) | null };
  function treeify(tree: Tree, options?: TreeifyOptions): string;
  export default treeify;
}
