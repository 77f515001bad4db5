/**
 * The wire protocol's version. Desktop apps update later than the server, so both ends send it and
 * say plainly which side is too old when they disagree (see `compareProtocolVersion`).
 */
export const PROTOCOL_VERSION = 1;

/** The oldest client protocol this build still serves. */
export const MIN_SUPPORTED_PROTOCOL_VERSION = 1;

export const PROTOCOL_VERSION_HEADER = 'x-tandem-protocol';
