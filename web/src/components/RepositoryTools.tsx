/** What the repository page shows above its artifacts beyond the list: the description and bulk deletion. */
import { BulkDelete } from './BulkDelete.tsx';
import { RepositoryDescription } from './RepositoryDescription.tsx';

export function RepositoryTools(props: {
  project: string;
  repository: string;
  canEdit: boolean;
  onChanged: () => void;
}) {
  return (
    <>
      <RepositoryDescription project={props.project} repository={props.repository} canEdit={props.canEdit} />
      {props.canEdit ? (
        <BulkDelete project={props.project} repository={props.repository} onChanged={props.onChanged} />
      ) : null}
    </>
  );
}
