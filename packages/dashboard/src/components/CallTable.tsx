import type { Call } from '@unpod/protocol';
import { displayNumber, endReasonLabel, formatDuration, timeAgo } from '../lib/format.js';
import { navigate } from '../router.js';
import { Badge, statusTone, useNow } from './ui.js';

/** A table of calls; a row opens the call page. */
export function CallTable({ calls }: { calls: Call[] }) {
  const now = useNow(5000);
  return (
    <div className="table-wrap">
      <table className="table calls-table">
        <thead>
          <tr>
            <th>Call</th>
            <th>Status</th>
            <th>Agent</th>
            <th className="hide-sm">Transport</th>
            <th className="hide-sm">From / to</th>
            <th>Duration</th>
            <th className="hide-sm">Outcome</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={c.id} className="clickable" onClick={() => navigate(`/calls/${encodeURIComponent(c.id)}`)}>
              <td>
                <a href={`/calls/${encodeURIComponent(c.id)}`} onClick={(e) => e.preventDefault()} className="mono">
                  {c.id.slice(0, 14)}…
                </a>
                {c.recording_url ? (
                  <span className="rec" title="Recorded">
                    ●
                  </span>
                ) : null}
              </td>
              <td>
                <Badge tone={statusTone(c.status)}>{c.status}</Badge>
              </td>
              <td>{c.agent_id}</td>
              <td className="hide-sm">{c.transport}</td>
              <td className="hide-sm">{c.from_number || c.to_number ? `${displayNumber(c.from_number)} → ${displayNumber(c.to_number)}` : '–'}</td>
              <td>{formatDuration(c.duration_s)}</td>
              <td className="hide-sm">{endReasonLabel(c.end_reason)}</td>
              <td title={c.created_at}>{timeAgo(c.created_at, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
