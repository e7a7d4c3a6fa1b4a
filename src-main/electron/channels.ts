/**
 * IPC channel names shared by the main process (ipc.ts) and the preload. No imports: the preload bundle must stay
 * free of anything but `electron`, since a sandboxed preload can `require` nothing else.
 */
export const CALL_CHANNEL = 'runboard:call';
export const EVENT_CHANNEL = 'runboard:event';
export const SAVE_FILE_CHANNEL = 'runboard:save-file';

/** The global name of the preload's one object: `window.runboard`. */
export const BRIDGE_KEY = 'runboard';
