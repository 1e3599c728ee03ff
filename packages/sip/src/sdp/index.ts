export * from './session-description.js';
export * from './offer-answer.js';
