import { useRef, useState } from 'react';
import type { Page, VoiceProfile } from '@unpod/protocol';
import { api, blobUrl } from '../api.js';
import { Badge, Card, Empty, ListState, PageHeader, useAsync } from '../components/ui.js';
import { formatMs } from '../lib/format.js';

function HearIt({ profile }: { profile: VoiceProfile }) {
  const [state, setState] = useState<'idle' | 'loading' | 'playing' | 'error'>('idle');
  const [problem, setProblem] = useState('');
  const audio = useRef<HTMLAudioElement | null>(null);
  const play = async () => {
    setState('loading');
    try {
      const url = await blobUrl('POST', `/v1/voice-profiles/${encodeURIComponent(profile.id)}/sample`, {});
      audio.current?.pause();
      const el = new Audio(url);
      audio.current = el;
      el.onended = () => {
        setState('idle');
        URL.revokeObjectURL(url);
      };
      await el.play();
      setState('playing');
    } catch (err) {
      setProblem((err as Error).message);
      setState('error');
    }
  };
  return (
    <div className="hear">
      <button className="btn small" onClick={() => void play()} disabled={state === 'loading' || state === 'playing'}>
        {state === 'loading' ? 'Synthesising…' : state === 'playing' ? '▶ Playing…' : '▶ Hear it'}
      </button>
      {state === 'error' ? <span className="error-text">{problem}</span> : null}
    </div>
  );
}

export function VoiceProfilesPage() {
  const [offlineOnly, setOfflineOnly] = useState(false);
  // Profiles that work on this machine with no keys come first.
  const state = useAsync(async () => {
    const list = (await api<Page<VoiceProfile>>('GET', `/v1/voice-profiles?limit=200${offlineOnly ? '&offline=true' : ''}`)).data;
    return [...list].sort((a, b) => Number(b.offline) - Number(a.offline) || a.name.localeCompare(b.name));
  }, [offlineOnly]);
  return (
    <>
      <PageHeader
        title="Voice profiles"
        subtitle="Speech-to-text and text-to-speech chains a pipe can use. Embedded profiles run offline on this machine."
        actions={
          <label className="check">
            <input type="checkbox" checked={offlineOnly} onChange={(e) => setOfflineOnly(e.target.checked)} /> Offline only
          </label>
        }
      />
      <ListState state={state} empty={<Card><Empty title="No voice profile matches">Clear the filter to see every profile.</Empty></Card>}>
        {(list) => (
          <div className="cards">
            {list.map((p) => (
              <Card key={p.id} title={p.name} actions={p.offline ? <Badge tone="good">offline</Badge> : <Badge tone="info">cloud</Badge>}>
                <p className="muted">{p.description}</p>
                <dl className="facts">
                  <dt>Languages</dt>
                  <dd>{p.languages.join(', ')}</dd>
                  <dt>Speech-to-text</dt>
                  <dd>{p.stt_chain.map((s) => s.provider).join(' → ')}</dd>
                  <dt>Text-to-speech</dt>
                  <dd>{p.tts_chain.map((s) => `${s.provider}${s.voice ? ` (${s.voice})` : ''}`).join(' → ')}</dd>
                  <dt>Latency</dt>
                  <dd>~{formatMs(p.latency_ms)} p95</dd>
                  <dt>Cost</dt>
                  <dd>{p.cost_per_min_usd === 0 ? 'free' : `$${p.cost_per_min_usd.toFixed(3)}/min`}</dd>
                </dl>
                <HearIt profile={p} />
              </Card>
            ))}
          </div>
        )}
      </ListState>
    </>
  );
}
