// Body of the source panel's js_on_load: `element`, `trigger`, `watch` and BOT_CSS are in scope.
// Citation links in chat messages are plain "#cite-…" anchors (the chat sanitizes anything richer), so one
// document-level listener turns clicks on them into the panel's "submit" event, carrying the link's key.
window.botPick = (key) => trigger("submit", { key: key });
watch("value", () => {
  // a whole document opens scrolled to the cited passage
  const doc = element.querySelector(".bot-doc");
  const mark = doc && doc.querySelector("mark.bot-passage-mark");
  if (mark) doc.scrollTop = Math.max(0, mark.offsetTop - 40);
});
if (!window.botPickInstalled) {
  window.botPickInstalled = true;
  const style = document.createElement("style");
  style.textContent = BOT_CSS;
  document.head.appendChild(style);
  document.addEventListener("click", (ev) => {
    const link = ev.target.closest && ev.target.closest('a[href^="#cite-"], a[href^="#src-"], a[href^="#doc-"]');
    if (!link) return;
    ev.preventDefault();
    ev.stopPropagation();
    document.querySelectorAll("a.bot-picked").forEach((a) => a.classList.remove("bot-picked"));
    link.classList.add("bot-picked");
    window.botPick(link.getAttribute("href").slice(1));
    const panel = document.getElementById("bot-source");
    if (panel && panel.getBoundingClientRect().top > window.innerHeight) panel.scrollIntoView({ behavior: "smooth" });
  }, true);
  // The copy buttons copy a message's Markdown source; drop the in-page link targets so "[1]" reads as "[1]".
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = (text) => write(String(text)
      .replace(/\[(\[\d+\])\]\(#cite-\d+-\d+\)/g, "$1")
      .replace(/\]\(#src-\d+-\d+\)/g, "]"));
  }
}
