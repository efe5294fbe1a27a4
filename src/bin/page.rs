//! The page's entry point (Trunk builds it: see `index.html`).

fn main() {
    yew::Renderer::<taskgraph_preview::ui::App>::new().render();
}
