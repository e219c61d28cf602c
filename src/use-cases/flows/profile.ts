import type { ModalView } from '@slack/types';
import { processPhoto } from '../../adapters/photo/process.js';
import { refilledView } from '../../slack/views/card-modal.js';
import type { ModalMetadata } from '../../slack/views/metadata.js';
import { escapeMrkdwn } from '../../slack/views/text.js';
import type { Deps, SlackProfile } from './ports.js';

/** First and last name from a profile: its own fields, else the real name split at the first space. */
export function namesOf(profile: Pick<SlackProfile, 'firstName' | 'lastName' | 'realName'>): {
  firstName: string | undefined;
  lastName: string | undefined;
} {
  if (profile.firstName || profile.lastName)
    return { firstName: profile.firstName, lastName: profile.lastName };
  const [first, ...rest] = (profile.realName ?? '').split(/\s+/).filter(Boolean);
  return { firstName: first, lastName: rest.length > 0 ? rest.join(' ') : undefined };
}

/**
 * "Fill from a Slack profile": the chosen person's names and photo go into the open form, which
 * the person can still change. With hosting the profile image is processed and hosted like an
 * upload; without it the image's own (public) URL is used.
 */
export async function fillFromProfile(
  deps: Deps,
  request: {
    view: ModalView;
    viewId: string;
    hash: string | undefined;
    metadata: ModalMetadata;
    userId: string;
    actorId: string;
  },
): Promise<void> {
  const profile = await deps.slack.userProfile(request.userId);
  const who = `<@${request.userId}>`;
  let notice: string;
  let photoUrl: string | undefined;
  if (profile === undefined) {
    notice = `:warning: Could not read ${who}'s Slack profile. Is the users:read scope granted? Ask an admin.`;
  } else if (profile.image === undefined) {
    notice = `:bust_in_silhouette: Filled in from ${who}'s profile. It has Slack's default avatar, so there is no photo to take: add one below.`;
  } else {
    const hosted = await hostedProfileImage(deps, profile.image, request.metadata.number, request.actorId);
    photoUrl = hosted.url;
    notice = hosted.problem
      ? `:bust_in_silhouette: Filled in from ${who}'s profile, but its photo cannot be used: ${escapeMrkdwn(hosted.problem)}`
      : `:bust_in_silhouette: Filled in from ${who}'s profile${deps.photoHost ? ' (photo converted to a square JPEG)' : ''}. You can still change any field.`;
  }
  const names = profile ? namesOf(profile) : { firstName: undefined, lastName: undefined };
  const view = refilledView(request.view, request.metadata, { ...names, photoUrl, notice });
  const delivery = await deps.slack.updateModal(request.viewId, view, { hash: request.hash, quick: true });
  if (!delivery.ok)
    deps.log.info(`profile not filled in (${delivery.error}): the modal was probably closed or changed`);
}

/** A profile image as a card's photo: hosted like an upload when the app hosts photos, else its own link. */
export async function hostedProfileImage(
  deps: Deps,
  image: string,
  number: string | undefined,
  actorId: string,
): Promise<{ url: string | undefined; problem?: string }> {
  // Without hosting, or before a number is chosen, the profile image's own link is the photo.
  if (deps.photoHost === undefined || number === undefined) return { url: image };
  const downloaded = await deps.photos.download(image);
  if (!downloaded.ok) return { url: undefined, problem: downloaded.reason };
  const processed = await processPhoto(downloaded.bytes);
  if (!processed.ok) return { url: undefined, problem: processed.reason };
  const hosted = await deps.photoHost.host(number, processed.jpeg, actorId);
  return hosted.ok ? { url: hosted.url } : { url: undefined, problem: hosted.reason };
}
