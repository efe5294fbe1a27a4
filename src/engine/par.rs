//! Data parallelism for the engine's heavy, independent loop: building the definitions of many
//! created tasks. Natively it uses scoped
//! threads; on wasm32 (no threads) and for `threads <= 1` it runs in order. Results always come
//! back in input order, so the output does not depend on the thread count.

/// Maps `f` over `items` on up to `threads` threads, keeping the order.
pub fn map<T, R, F>(items: Vec<T>, threads: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 && items.len() >= 64 {
        let chunk = items.len().div_ceil(threads.min(16));
        let mut chunks: Vec<Vec<T>> = Vec::new();
        let mut items = items.into_iter();
        loop {
            let part: Vec<T> = items.by_ref().take(chunk).collect();
            if part.is_empty() {
                break;
            }
            chunks.push(part);
        }
        let f = &f;
        return std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| match h.join() {
                    Ok(results) => results,
                    // A panic in `f` is a bug; re-raise it on the calling thread.
                    Err(payload) => std::panic::resume_unwind(payload),
                })
                .collect()
        });
    }
    #[cfg(target_arch = "wasm32")]
    let _ = threads;
    items.into_iter().map(f).collect()
}
