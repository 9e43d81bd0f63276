// systemTx calls (RLS bypass) and whether a `system:` comment says why.
import ts from 'typescript';
import { lineOf, walk } from './sources.js';

export interface SystemTxCall {
  line: number;
  /** The named function, method or route the call sits in. */
  within: string;
  commented: boolean;
}

const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
const SYSTEM_COMMENT = /(\/\/|\/\*|^\s*\*).*\bsystem:/;

function enclosingName(node: ts.Node): string {
  const names: string[] = [];
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    let name: string | undefined;
    if (
      (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isClassDeclaration(n) || ts.isGetAccessor(n)) &&
      n.name
    )
      name = n.name.getText();
    else if (ts.isConstructorDeclaration(n)) name = 'constructor';
    else if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent))
      name = n.parent.name.getText();
    else if (
      (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) &&
      (ts.isPropertyAssignment(n.parent) || ts.isPropertyDeclaration(n.parent))
    )
      name = n.parent.name.getText();
    else if (ts.isObjectLiteralExpression(n)) {
      // A route definition: name it by its url.
      const url = n.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'url');
      if (url && ts.isPropertyAssignment(url) && ts.isStringLiteralLike(url.initializer)) name = url.initializer.text;
    }
    if (name && names[0] !== name) names.unshift(name);
    if (ts.isClassDeclaration(n) || ts.isFunctionDeclaration(n)) break;
  }
  // Drop `handler` under a route url: the url says more.
  return (
    names.filter((x, i) => !(x === 'handler' && i > 0 && names[i - 1]!.startsWith('/'))).join('.') || '<top level>'
  );
}

function statementOf(node: ts.Node): ts.Node {
  let n = node;
  while (
    n.parent &&
    !ts.isBlock(n.parent) &&
    !ts.isSourceFile(n.parent) &&
    !ts.isCaseClause(n.parent) &&
    !ts.isDefaultClause(n.parent) &&
    !ts.isClassLike(n.parent)
  )
    n = n.parent;
  return n;
}

/** Every call of systemTx(…), and whether a `system:` comment says why it bypasses RLS. */
export function systemTxCallsOf(sf: ts.SourceFile): SystemTxCall[] {
  const lines = sf.text.split('\n');
  const out: SystemTxCall[] = [];
  const commentAbove = (line: number): boolean => {
    for (let k = line - 2; k >= 0 && COMMENT_LINE.test(lines[k]!); k--) if (/\bsystem:/.test(lines[k]!)) return true;
    return false;
  };
  walk(sf, (n) => {
    if (!ts.isCallExpression(n)) return;
    const callee = n.expression;
    const nameNode = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isIdentifier(callee) ? callee : undefined;
    if (!nameNode || nameNode.text !== 'systemTx') return;
    const callLine = lineOf(sf, nameNode.getStart(sf));
    const stmtLine = lineOf(sf, statementOf(n).getStart(sf));
    let commented = commentAbove(stmtLine) || commentAbove(callLine);
    for (let l = Math.min(stmtLine, callLine); l <= callLine && !commented; l++)
      commented = SYSTEM_COMMENT.test(lines[l - 1]!);
    out.push({ line: callLine, within: enclosingName(n), commented });
  });
  return out;
}
