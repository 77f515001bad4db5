/** A selection in a file, as UTF-16 offsets into its text; anchor === head for a bare cursor. */
export interface SelectionRange {
  anchor: number;
  head: number;
}

/** A collaborator's cursors in the file shown, from presence. */
export interface RemoteCursor {
  key: string;
  userId: string;
  name: string;
  color: string;
  selections: SelectionRange[];
}
