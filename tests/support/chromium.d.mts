export declare const CHROMIUM_ARGS: string[];
/** Path of the system Chromium; throws one sentence saying how to install it. */
export declare function chromiumPath(): string;
