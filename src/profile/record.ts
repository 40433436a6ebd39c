/**
 * What writeProfile did, so the post step can undo exactly that (it travels through GITHUB_STATE as JSON).
 */

export interface ProfileFiles {
  credentialsFile: string;
  configFile: string;
}

/** One section writeProfile changed in a file that existed before. */
export interface PreviousSection {
  file: string;
  /** The section's name as in its header, e.g. `ci` or `profile ci`. */
  section: string;
  /** The section's text before; undefined when it did not exist, so it is removed on cleanup. */
  text?: string;
  /** The blank line(s) put before an appended section, removed with it. */
  separator?: string;
}

/** What writeProfile did, so the post step can undo exactly that. JSON-serialisable. */
export interface ProfileRecord {
  profile: string;
  files: ProfileFiles;
  /** This step's name in the claims on the files it wrote (see claims.ts). */
  owner?: string;
  /** Files that did not exist before and were created (to be deleted on cleanup). */
  createdFiles: string[];
  /** Directories that did not exist before and were created, outermost first. */
  createdDirs: string[];
  /** For each file that existed: the previous text of the section we replaced. */
  previousSections: PreviousSection[];
}
