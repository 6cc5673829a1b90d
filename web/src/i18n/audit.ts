/** Audit log words the server sends as codes (operations, resource types), shown translated. */
import { messages, type Translate } from './index.ts';

export const auditWords = messages(
  {
    create: 'create',
    delete: 'delete',
    pull: 'pull',
    push: 'push',
    update: 'update',
    login: 'sign in',
    logout: 'sign out',
    artifact: 'artifact',
    repository: 'repository',
    project: 'project',
    member: 'member',
    robot: 'robot account',
    user: 'user',
    tag: 'tag',
  },
  {
    create: '创建',
    delete: '删除',
    pull: '拉取',
    push: '推送',
    update: '更新',
    login: '登录',
    logout: '退出登录',
    artifact: '制品',
    repository: '仓库',
    project: '项目',
    member: '成员',
    robot: '机器人账户',
    user: '用户',
    tag: '标签',
  },
);

export type AuditWord = keyof (typeof auditWords)['en'];

/** The word for a code, or the code itself when the catalog does not know it. */
export function auditWord(t: Translate<AuditWord>, code: string): string {
  return code in auditWords.en ? t(code as AuditWord) : code;
}
