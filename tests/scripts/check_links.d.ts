/** GitHub's id for a heading. */
export function slug(heading: string): string;
/** The heading ids of a Markdown text. */
export function anchors(text: string): Set<string>;
/** The broken relative links of one file, as lines `file:line: link: why`. */
export function brokenLinks(file: string): string[];
