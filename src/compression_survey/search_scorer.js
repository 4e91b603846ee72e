/* Search ranking of the survey (html_search_scorer): Sphinx's default weights, and
 * the pages that only list paper titles (bibliography, paper explorer) and the glossary
 * (every term that contains the query word matches) ranked below the chapters and
 * notebooks that discuss a topic. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score] = result;
    if (docname === "docs/bibliography" || docname === "docs/explorer") return score - 30;
    // every glossary term containing the query matches; the chapter on the topic comes first
    if (docname === "docs/glossary") return Math.min(score, 14);
    return score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
