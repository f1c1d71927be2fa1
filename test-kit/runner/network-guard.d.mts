/** Connection attempts the guard refused in this process, as `host:port`. */
export const refusedConnections: string[];
