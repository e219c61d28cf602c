/** Photo-URL checking for the contact card: URL rules, SSRF-safe fetch, image sniffing, cached verdicts. */

export { MAX_PHOTO_URL_LENGTH } from '../../domain/card/rules.js';
export {
  type AddressClassification,
  type AddressDecision,
  type AddressFamily,
  type AddressPolicy,
  type AddressTarget,
  classifyAddress,
  defaultAddressPolicy,
  isForbiddenAddress,
} from './address-policy.js';
export {
  createPhotoChecker,
  type PhotoChecker,
  type PhotoCheckerOptions,
  type PhotoPass,
  type PhotoRefusal,
  type PhotoRefusalCode,
  type PhotoVerdict,
} from './check.js';
export { type ImageFormat, type ImageInfo, readImageHeader, sniffImage } from './image-sniff.js';
export {
  createSafeFetcher,
  createVettingConnector,
  ForbiddenAddressError,
  type Resolver,
  type SafeFetcher,
  systemResolver,
} from './safe-fetch.js';
export {
  checkPhotoUrlRules,
  type UrlRuleCode,
  type UrlRuleResult,
} from './url-rules.js';
