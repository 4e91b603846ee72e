/* The language switch: go to the same page and section in the other language.
 *
 * Two layouts are recognised from the current URL:
 *   built site   …/en/<page>.html          ↔ …/zh_CN/<page>.html
 *   Read the Docs …/en/<version>/<page>.html ↔ …/zh-cn/<version>/<page>.html
 * The link's href (a relative link for the built layout) is the fallback
 * when JavaScript is off or the URL matches neither layout.
 */
(function () {
  "use strict";
  var READTHEDOCS = { en: "en", zh_CN: "zh-cn" };

  function otherLanguageUrl(link, location) {
    var page = link.dataset.surveyPage + ".html";
    var from = link.dataset.surveyLang;
    var to = link.dataset.surveyOther;
    var path = location.pathname;
    if (path.slice(-1) === "/") path += "index.html";
    if (path.slice(-page.length) !== page) return null;
    var parts = path.slice(0, path.length - page.length).split("/"); // ends with ""
    var n = parts.length;
    if (n >= 2 && parts[n - 2] === from) {
      parts[n - 2] = to;
    } else if (n >= 3 && parts[n - 3].toLowerCase() === READTHEDOCS[from]) {
      parts[n - 3] = READTHEDOCS[to];
    } else {
      return null;
    }
    return location.protocol + "//" + location.host + parts.join("/") + page + location.hash;
  }

  function follow(event) {
    var target = otherLanguageUrl(event.currentTarget, window.location);
    if (target) {
      event.preventDefault();
      window.location.href = target;
    }
  }

  function setUp() {
    document.querySelectorAll("a.survey-language-switch").forEach(function (link) {
      link.addEventListener("click", follow);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
  window.surveyOtherLanguageUrl = otherLanguageUrl;
})();
