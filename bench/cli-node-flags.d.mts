/** The flags between `exec node` and the script in bin/marketmakerl, or NODE_FLAGS when it is set. */
export declare function cliNodeFlags(): string[];
