// Words too common to carry meaning, in the product's languages (English, French, Malagasy):
// search leaves them out of its query, the grounding check and the extractive writer out of
// their counts. Accents folded, lower case.
export const STOP_WORDS_ALL = new Set([
  // English
  'the', 'and', 'for', 'are', 'was', 'were', 'been', 'being', 'have', 'has', 'had', 'this', 'that', 'these', 'those', 'with', 'from', 'into', 'onto', 'about',
  'what', 'which', 'who', 'whom', 'whose', 'how', 'why', 'when', 'where', 'does', 'did', 'doing', 'not', 'but', 'all', 'any', 'can', 'could', 'should', 'would',
  'will', 'shall', 'may', 'might', 'must', 'its', 'our', 'their', 'they', 'them', 'his', 'her', 'she', 'him', 'you', 'your', 'than', 'then', 'there', 'here',
  'also', 'each', 'per', 'such', 'more', 'most', 'other', 'some', 'very', 'over', 'under', 'only', 'say', 'says', 'said', 'one',
  // French
  'les', 'des', 'une', 'est', 'sont', 'que', 'qui', 'quoi', 'quel', 'quelle', 'quels', 'quelles', 'dans', 'sur', 'pour', 'par', 'avec', 'aux', 'ces', 'cette',
  'cet', 'son', 'ses', 'leur', 'leurs', 'nous', 'vous', 'ils', 'elles', 'pas', 'plus', 'mais', 'comme', 'ont', 'etait', 'etre', 'avoir', 'fait', 'tout', 'tous',
  // Malagasy
  'ary', 'dia', 'amin', 'izay', 'inona', 'iza', 'tsy', 'ireo', 'io', 'ity', 'izany', 'ilay', 'koa', 'sady', 'fa', 'any', 'eto', 'ao', 'teo', 'tao', 'hoe',
]);
