/**
 * Restricted Mode (an untrusted workspace): the editor features work, the cloud's are off. The server is told
 * (`initializationOptions.restrictedMode`) and offers no cloud code action, code lens or remote check; the
 * extension's cloud commands say what to do instead of asking the server, and so does the status-bar tooltip.
 * Trusting the workspace restarts the server.
 */

/** What Restricted Mode says wherever a cloud feature is off (the server says the same words). */
export const RESTRICTED_MESSAGE = "trust this workspace to use ServiceStage";
export const MANAGE_TRUST = "Manage Workspace Trust";
export const MANAGE_TRUST_COMMAND = "workbench.trust.manage";
